"""A client that leaves in the middle of a stream: the gateway stops reading the upstream at once
and records the call (499, the usage seen so far), instead of waiting out the upstream."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.conftest import GATEWAY_KEY, GatewayProcess
from tests.fakes.upstream import FakeUpstream, Reply

ASK = [{"role": "user", "content": "What is the capital of France?"}]
AUTH = {"authorization": f"Bearer {GATEWAY_KEY}"}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/chat/completions", {"model": "fake/gpt-4.1-mini"}, id="openai-pass-through"),
        pytest.param("/messages", {"model": "fake/gpt-4.1-mini", "max_tokens": 64}, id="anthropic-translated"),
    ],
)
def test_a_client_leaving_mid_stream_ends_the_call_at_once(
    gateway: GatewayProcess, upstream: FakeUpstream, path: str, body: dict[str, object]
):
    upstream.script("fake", Reply(hang_after=700))  # two whole events, then 10 s of silence
    with (
        httpx.Client(timeout=30) as client,
        client.stream("POST", gateway.v1 + path, headers=AUTH, json={**body, "stream": True, "messages": ASK}) as resp,
    ):
        assert resp.status_code == 200
        request_id = resp.headers["x-request-id"]
        next(resp.iter_raw())  # the first bytes, then the client hangs up
    left = time.monotonic()
    calls: list[dict[str, object]] = []
    while time.monotonic() - left < 5:
        answer = httpx.get(f"{gateway.base_url}/api/logs/{request_id}", headers=AUTH, timeout=10)
        if answer.status_code == 200:
            calls = answer.json()["calls"]
            break
        time.sleep(0.1)
    assert calls, "recorded within 5 s, long before the upstream's 10 s of silence ends"
    assert calls[0]["status"] == 499
    assert "client closed the stream" in str(calls[0]["error"])
