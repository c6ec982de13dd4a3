"""/v1 with the official `openai` SDK against the real server and a fake OpenAI upstream."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.conftest import GATEWAY_KEY, GatewayProcess
from tests.fakes.upstream import FakeUpstream, fixture_bytes

USER = [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}]
FIXTURE_TEXT = json.loads(fixture_bytes("openai-chat/text.response.json"))["choices"][0]["message"]["content"]


def client(gw: GatewayProcess, key: str = GATEWAY_KEY) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.v1, api_key=key, max_retries=0, timeout=20)


def test_non_streaming_chat_answers_from_the_combo_first_target(gateway: GatewayProcess, upstream: FakeUpstream):
    """A combo name resolves to its first target; the upstream gets the target's model name."""
    done = client(gateway).chat.completions.create(model="stack", messages=USER)  # type: ignore[arg-type]
    assert done.choices[0].message.content == FIXTURE_TEXT
    assert done.usage is not None
    assert done.usage.total_tokens == 35
    [received] = upstream.requests_to("fake")
    assert received.body["model"] == "gpt-4.1-mini"
    assert received.body["messages"] == USER


def test_streaming_chat_passes_events_through_and_ends_with_done(gateway: GatewayProcess):
    """A true SSE passthrough: the SDK assembles the fixture's text; the raw stream ends with [DONE]."""
    stream = client(gateway).chat.completions.create(model="fake/gpt-4.1-mini", messages=USER, stream=True)  # type: ignore[arg-type]
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == FIXTURE_TEXT
    assert all(c.usage is None for c in chunks), "no usage chunk unless the client asks for it"

    with httpx.stream(
        "POST",
        gateway.v1 + "/chat/completions",
        headers={"authorization": f"Bearer {GATEWAY_KEY}"},
        json={"model": "stack", "messages": USER, "stream": True},
    ) as raw:
        assert raw.headers["content-type"].startswith("text/event-stream")
        body = raw.read().decode()
    assert body.endswith("data: [DONE]\n\n")
    assert all(line.startswith("data: ") for line in body.split("\n\n") if line)


def test_streaming_usage_chunk_when_include_usage(gateway: GatewayProcess, upstream: FakeUpstream):
    """`stream_options.include_usage` is honoured: the final chunk has no choices and carries usage."""
    stream = client(gateway).chat.completions.create(
        model="stack",
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},  # type: ignore[arg-type]
    )
    chunks = list(stream)
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (27, 8)
    assert upstream.requests_to("fake")[0].body["stream_options"] == {"include_usage": True}


def test_models_lists_provider_models_and_combos(gateway: GatewayProcess):
    ids = {m.id for m in client(gateway).models.list()}
    assert {"fake/gpt-4.1-mini", "backup/gpt-4.1-nano", "stack"} <= ids


def test_every_response_carries_a_request_id(gateway: GatewayProcess):
    """X-Request-Id on success, on errors and on auth refusals; a sane caller id is kept."""
    auth = {"authorization": f"Bearer {GATEWAY_KEY}"}
    ok = httpx.get(gateway.v1 + "/models", headers={**auth, "x-request-id": "abc-123"})
    assert ok.headers["x-request-id"] == "abc-123"
    bad = httpx.post(gateway.v1 + "/chat/completions", headers=auth, content=b"{")
    refused = httpx.get(gateway.v1 + "/models")
    assert len(bad.headers["x-request-id"]) == 32
    assert len(refused.headers["x-request-id"]) == 32


BAD_INPUT = [
    pytest.param(b"{not json", 400, "invalid_request", id="malformed-json"),
    pytest.param(b"[1, 2]", 400, "invalid_request", id="not-an-object"),
    pytest.param(json.dumps({"messages": USER}).encode(), 400, "invalid_request", id="missing-model"),
    pytest.param(json.dumps({"model": "stack"}).encode(), 400, "invalid_request", id="missing-messages"),
    pytest.param(json.dumps({"model": "stack", "messages": []}).encode(), 400, "invalid_request", id="empty-messages"),
    pytest.param(
        json.dumps({"model": "no-such-model", "messages": USER}).encode(),
        404,
        "model_not_found",
        id="unknown-model",
    ),
    pytest.param(
        json.dumps({"model": "nope/gpt-4.1", "messages": USER}).encode(),
        404,
        "model_not_found",
        id="unknown-provider",
    ),
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_INPUT)
def test_bad_input_gets_an_openai_error_and_the_server_keeps_serving(
    gateway: GatewayProcess, body: bytes, status: int, code: str
):
    auth = {"authorization": f"Bearer {GATEWAY_KEY}", "content-type": "application/json"}
    resp = httpx.post(gateway.v1 + "/chat/completions", headers=auth, content=body)
    assert resp.status_code == status
    error = resp.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert set(error) >= {"message", "type", "param", "code"}
    assert client(gateway).chat.completions.create(model="stack", messages=USER).choices  # type: ignore[arg-type]


def test_unknown_model_raises_the_sdk_not_found_error(gateway: GatewayProcess):
    with pytest.raises(openai.NotFoundError) as caught:
        client(gateway).chat.completions.create(model="nope/x", messages=USER)  # type: ignore[arg-type]
    assert "unknown provider 'nope'" in str(caught.value)


@pytest.mark.parametrize("key", ["wrong-key-123", ""], ids=["wrong-key", "no-key"])
def test_a_wrong_or_missing_gateway_key_is_refused(gateway: GatewayProcess, key: str):
    if key:
        with pytest.raises(openai.AuthenticationError):
            client(gateway, key).chat.completions.create(model="stack", messages=USER)  # type: ignore[arg-type]
    resp = httpx.post(
        gateway.v1 + "/chat/completions",
        json={"model": "stack", "messages": USER},
        headers={"authorization": f"Bearer {key}"} if key else {},
    )
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "invalid_api_key"


def test_an_upstream_bad_request_is_passed_through_with_its_status(gateway: GatewayProcess, upstream: FakeUpstream):
    """A plain 400 from an OpenAI-format upstream is the caller's error: no fallback, same body."""
    from tests.fakes.upstream import Reply

    upstream.script("fake", Reply.error("openai-chat", 400))
    with pytest.raises(openai.BadRequestError) as caught:
        client(gateway).chat.completions.create(model="stack", messages=USER)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_type"
    assert upstream.requests_to("backup") == []
