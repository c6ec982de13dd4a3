"""Fallback across targets and accounts, through /v1, against faults the fake upstream injects."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import openai
import pytest

from tests.conftest import GATEWAY_KEY, GatewayProcess, clean_env, start_gateway, write_config
from tests.fakes.upstream import FakeUpstream, Reply

USER = [{"role": "user", "content": "hi"}]
AUTH = {"authorization": f"Bearer {GATEWAY_KEY}"}


def chat(gw: GatewayProcess, model: str = "stack", **extra: object) -> httpx.Response:
    return httpx.post(
        gw.v1 + "/chat/completions",
        headers=AUTH,
        json={"model": model, "messages": USER, **extra},
        timeout=20,
    )


def stream_chat(gw: GatewayProcess) -> tuple[int, httpx.Headers, str]:
    body = {"model": "stack", "messages": USER, "stream": True}
    with httpx.stream("POST", gw.v1 + "/chat/completions", headers=AUTH, json=body, timeout=20) as resp:
        return resp.status_code, resp.headers, resp.read().decode()


def keys_used(upstream: FakeUpstream, provider: str) -> list[str]:
    return [r.headers["Authorization"] for r in upstream.requests_to(provider)]


def test_combo_whose_first_target_is_rate_limited_answers_from_the_second(
    gateway: GatewayProcess, upstream: FakeUpstream
):
    """Both accounts of the first target answer 429: the combo falls back to its second target."""
    upstream.script("fake", Reply.error("openai-chat", 429), Reply.error("openai-chat", 429))
    done = openai.OpenAI(base_url=gateway.v1, api_key=GATEWAY_KEY, max_retries=0).chat.completions.create(
        model="stack",
        messages=USER,  # type: ignore[arg-type]
    )
    assert done.choices[0].message.content == "The capital of France is Paris."
    assert keys_used(upstream, "fake") == ["Bearer k1", "Bearer k2"]
    assert keys_used(upstream, "backup") == ["Bearer b1"]


def test_accounts_rotate_round_robin_inside_a_provider(gateway: GatewayProcess, upstream: FakeUpstream):
    for _ in range(4):
        assert chat(gateway).status_code == 200
    assert keys_used(upstream, "fake") == ["Bearer k1", "Bearer k2", "Bearer k1", "Bearer k2"]


def test_a_rate_limited_account_cools_down_and_the_next_account_answers(
    gateway: GatewayProcess, upstream: FakeUpstream
):
    """429 with Retry-After on k1: k2 answers at once, and k1 is skipped while it cools down."""
    upstream.script("fake", Reply.error("openai-chat", 429))
    assert chat(gateway).status_code == 200
    assert chat(gateway).status_code == 200
    assert keys_used(upstream, "fake") == ["Bearer k1", "Bearer k2", "Bearer k2"]
    health = httpx.get(gateway.base_url + "/api/health", headers=AUTH).json()
    assert len(health["cooldowns"]) == 1


@pytest.mark.parametrize(
    ("status", "tried", "error_class"),
    [
        # a server error is the provider's trouble: on to the next target, not the next account
        pytest.param(500, ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"], "transient", id="500"),
        # a rate limit is one key's: the next account first, then the next target
        pytest.param(429, ["fake/gpt-4.1-mini"] * 2 + ["backup/gpt-4.1-nano"], "rate_limit", id="429"),
    ],
)
def test_every_target_failing_gives_one_error_naming_each_attempt(
    gateway: GatewayProcess, upstream: FakeUpstream, status: int, tried: list[str], error_class: str
):
    upstream.set_default("fake", Reply.error("openai-chat", status))
    upstream.set_default("backup", Reply.error("openai-chat", status))
    resp = chat(gateway)
    assert resp.status_code == status
    error = resp.json()["error"]
    assert error["code"] == "all_targets_failed"
    assert [a["target"] for a in error["attempts"]] == tried
    assert all(a["status"] == status for a in error["attempts"])
    assert all(a["error_class"] == error_class for a in error["attempts"])
    if status == 429:
        assert resp.headers["retry-after"] == "1"
    upstream.reset()
    again = chat(gateway, "backup/gpt-4.1-nano")
    assert again.status_code == 200, f"the server keeps serving: {again.text}"


def test_an_unreachable_provider_falls_back(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]):
    """A connection refused is a failure of that target, not of the request."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    extra = f"""
[[providers]]
id = "dead"
format = "openai"
base_url = "http://127.0.0.1:{dead_port}/v1"
api_keys = ["d1"]

[[combos]]
name = "shaky"
models = ["dead/m", "other/some-model", "backup/gpt-4.1-nano"]
"""
    gw = start_gateway(tmp_path / "data", write_config(tmp_path / "c.toml", upstream, extra=extra))
    gateways.append(gw)
    resp = chat(gw, "shaky")
    assert resp.status_code == 200
    assert resp.headers["x-omniroute-target"] == "backup/gpt-4.1-nano"


def test_streams_fall_back_before_the_first_byte(gateway: GatewayProcess, upstream: FakeUpstream):
    upstream.script("fake", Reply.error("openai-chat", 500), Reply.error("openai-chat", 500))
    status, headers, body = stream_chat(gateway)
    assert status == 200
    assert headers["x-omniroute-target"] == "backup/gpt-4.1-nano"
    assert body.endswith("data: [DONE]\n\n")


def test_a_stream_cut_mid_way_ends_with_an_error_event(gateway: GatewayProcess, upstream: FakeUpstream):
    """After the first byte there is no fallback: the client's stream ends with an error event."""
    upstream.script("fake", Reply(cut_after=700))
    _, _, body = stream_chat(gateway)
    events = [e for e in body.split("\n\n") if e]
    assert "[DONE]" not in events[-1]
    last = json.loads(events[-1].removeprefix("data: "))
    assert last["error"]["code"] == "stream_interrupted"
    assert upstream.requests_to("backup") == []


def test_the_openai_sdk_raises_on_a_stream_cut_mid_way(gateway: GatewayProcess, upstream: FakeUpstream):
    """The error event is one the SDK recognises: iterating the stream raises instead of ending quietly."""
    upstream.script("fake", Reply(cut_after=700))
    stream = openai.OpenAI(base_url=gateway.v1, api_key=GATEWAY_KEY, max_retries=0).chat.completions.create(
        model="stack",
        messages=USER,
        stream=True,  # type: ignore[arg-type]
    )
    with pytest.raises(openai.APIError, match="upstream stream broke"):
        list(stream)


@pytest.fixture
def impatient_gateway(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]) -> GatewayProcess:
    """REQUEST_TIMEOUT_MS and STREAM_IDLE_TIMEOUT_MS from the environment, short."""
    env = clean_env(REQUEST_TIMEOUT_MS="400", STREAM_IDLE_TIMEOUT_MS="400")
    gw = start_gateway(tmp_path / "data", write_config(tmp_path / "c.toml", upstream), env=env)
    gateways.append(gw)
    return gw


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Reply(delay=2.0), id="response-never-starts"),
        pytest.param(Reply(stall=2.0), id="stream-silent-after-200"),
    ],
)
def test_a_target_that_never_starts_streaming_fails_over(
    impatient_gateway: GatewayProcess, upstream: FakeUpstream, fault: Reply
):
    """No byte has reached the client yet, so a slow start is a failure of that target only."""
    upstream.script("fake", fault, fault)
    status, headers, body = stream_chat(impatient_gateway)
    assert status == 200
    assert headers["x-omniroute-target"] == "backup/gpt-4.1-nano"
    assert body.endswith("data: [DONE]\n\n")


def test_a_stream_that_goes_silent_mid_way_ends_with_an_error_event(
    impatient_gateway: GatewayProcess, upstream: FakeUpstream
):
    """After the first byte, silence past STREAM_IDLE_TIMEOUT_MS ends the client's stream."""
    upstream.script("fake", Reply(hang_after=700))
    _, _, body = stream_chat(impatient_gateway)
    last = json.loads([e for e in body.split("\n\n") if e][-1].removeprefix("data: "))
    assert last["error"]["code"] == "stream_interrupted"
