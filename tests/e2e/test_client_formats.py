"""The client endpoints beyond the matrix: errors in each client's own format, what a target
cannot express, broken streams, Gemini's JSON-array stream, count_tokens, pinned routes, format
detection, the Claude Code bypass, and each client family's way of sending the gateway key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx
import openai
import pytest
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as gt

from tests.conftest import FORMAT_MODELS, GATEWAY_KEY, GatewayProcess, start_gateway, write_format_config
from tests.fakes.upstream import FakeUpstream, Reply

FORMATS = ["openai", "anthropic", "gemini", "responses", "ollama"]
MODEL = FORMAT_MODELS
TEXT = "The capital of France is Paris."
AUTH = {"authorization": f"Bearer {GATEWAY_KEY}"}


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, upstream_server: FakeUpstream) -> Iterator[GatewayProcess]:
    root: Path = tmp_path_factory.mktemp("clients")
    config = write_format_config(root / "omniroute.toml", upstream_server, server_extra="claude_code_bypass = true")
    gateway = start_gateway(root / "data", config)
    yield gateway
    gateway.stop()


def anthropic_client(gw: GatewayProcess) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gw.base_url, api_key=GATEWAY_KEY, max_retries=0, timeout=20)


def model(fmt: str) -> str:
    return f"up-{fmt}/{MODEL[fmt]}"


# ---------------------------------------------------------------- errors in the client's format


def test_an_upstream_400_reaches_an_anthropic_client_as_an_anthropic_error(gw: GatewayProcess, upstream: FakeUpstream):
    """A provider's own 400 (OpenAI format) keeps its status and message, in Anthropic's shape."""
    upstream.script("up-openai", Reply.error("openai-chat", 400))
    with anthropic_client(gw) as client, pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model=model("openai"), max_tokens=64, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 400
    assert caught.value.body["type"] == "error"  # type: ignore[index]
    assert "Invalid type for 'temperature'" in str(caught.value)


@pytest.fixture
def own_gw(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]) -> GatewayProcess:
    """A gateway of its own, for tests that leave connections cooling down."""
    config = write_format_config(tmp_path / "omniroute.toml", upstream)
    gateways.append(start_gateway(tmp_path / "data", config))
    return gateways[-1]


@pytest.mark.parametrize("upstream_format", ["anthropic", "gemini", "openai"])
def test_every_target_rate_limited_reaches_an_openai_client_as_429(
    own_gw: GatewayProcess, upstream: FakeUpstream, upstream_format: str
):
    gw = own_gw
    fixture_dir = {"openai": "openai-chat"}.get(upstream_format, upstream_format)
    upstream.set_default(f"up-{upstream_format}", Reply.error(fixture_dir, 429))
    with (
        openai.OpenAI(base_url=gw.v1, api_key=GATEWAY_KEY, max_retries=0) as client,
        pytest.raises(openai.RateLimitError) as caught,
    ):
        client.chat.completions.create(model=model(upstream_format), messages=[{"role": "user", "content": "hi"}])
    assert caught.value.response.headers.get("retry-after")


def test_a_gemini_client_gets_google_errors(gw: GatewayProcess):
    client = genai.Client(api_key=GATEWAY_KEY, http_options=gt.HttpOptions(base_url=gw.base_url, api_version="v1beta"))
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model="nope/x", contents="hi")
    assert caught.value.code == 404
    assert caught.value.status == "NOT_FOUND"
    client.close()


@pytest.mark.parametrize(
    ("path", "headers", "status", "shape"),
    [
        pytest.param("/v1/messages", {"x-api-key": "wrong-key-123"}, 401, "anthropic", id="anthropic-x-api-key"),
        pytest.param(
            "/v1beta/models/m:generateContent", {"x-goog-api-key": "wrong"}, 401, "gemini", id="gemini-header"
        ),
        pytest.param("/v1/responses", {}, 401, "openai", id="responses-no-key"),
    ],
)
def test_refused_keys_are_answered_in_the_client_format(
    gw: GatewayProcess, path: str, headers: dict[str, str], status: int, shape: str
):
    resp = httpx.post(gw.base_url + path, headers=headers, json={})
    assert resp.status_code == status
    body = resp.json()
    if shape == "anthropic":
        assert body["type"] == "error"
        assert body["error"]["type"] == "authentication_error"
    elif shape == "gemini":
        assert body["error"]["status"] == "UNAUTHENTICATED"
    else:
        assert body["error"]["code"] == "invalid_api_key"


@pytest.mark.parametrize(
    ("path", "headers", "params"),
    [
        pytest.param("/v1/messages", {"x-api-key": GATEWAY_KEY}, {}, id="anthropic-x-api-key"),
        pytest.param(
            f"/v1beta/models/{model('gemini')}:generateContent",
            {"x-goog-api-key": GATEWAY_KEY},
            {},
            id="gemini-header",
        ),
        pytest.param(f"/v1beta/models/{model('gemini')}:generateContent", {}, {"key": GATEWAY_KEY}, id="gemini-query"),
    ],
)
def test_each_client_family_can_send_the_key_its_own_way(
    gw: GatewayProcess, path: str, headers: dict[str, str], params: dict[str, str]
):
    body = (
        {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
        if "v1beta" in path
        else {"model": model("anthropic"), "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    )
    assert httpx.post(gw.base_url + path, headers=headers, params=params, json=body).status_code == 200


# ---------------------------------------------------------------- what a target cannot express


def test_audio_to_an_anthropic_target_is_a_400_naming_it(gw: GatewayProcess, upstream: FakeUpstream):
    audio = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    with (
        openai.OpenAI(base_url=gw.v1, api_key=GATEWAY_KEY, max_retries=0) as client,
        pytest.raises(openai.BadRequestError) as caught,
    ):
        client.chat.completions.create(model=model("anthropic"), messages=[{"role": "user", "content": [audio]}])
    assert "input_audio" in str(caught.value)
    assert upstream.requests_to("up-anthropic") == [], "nothing was sent"


def test_a_missing_tool_result_is_a_clear_400(gw: GatewayProcess, upstream: FakeUpstream):
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    messages = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "user", "content": "and?"},
    ]
    resp = httpx.post(
        gw.v1 + "/chat/completions", headers=AUTH, json={"model": model("anthropic"), "messages": messages}
    )
    assert resp.status_code == 400
    assert "call_1" in resp.json()["error"]["message"]
    assert upstream.requests_to("up-anthropic") == []


# ---------------------------------------------------------------- streams


@pytest.mark.parametrize("upstream_format", ["openai", "anthropic", "responses"])
def test_a_stream_cut_upstream_ends_the_anthropic_clients_stream_with_an_error_event(
    gw: GatewayProcess, upstream: FakeUpstream, upstream_format: str
):
    upstream.script(f"up-{upstream_format}", Reply(cut_after=600))
    with httpx.stream(
        "POST",
        gw.base_url + "/v1/messages",
        headers=AUTH,
        json={
            "model": model(upstream_format),
            "max_tokens": 64,
            "stream": True,
            "messages": [{"role": "user", "content": "hi"}],
        },
    ) as resp:
        body = resp.read().decode()
    events = [line.removeprefix("event: ") for line in body.splitlines() if line.startswith("event: ")]
    assert events[-1] == "error"
    assert "message_stop" not in events


def test_gemini_stream_without_alt_sse_is_one_json_array(gw: GatewayProcess):
    resp = httpx.post(
        gw.base_url + f"/v1beta/models/{model('openai')}:streamGenerateContent",
        headers=AUTH,
        json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
    )
    assert resp.status_code == 200
    chunks = json.loads(resp.text)
    assert isinstance(chunks, list)
    text = "".join(p.get("text", "") for c in chunks for p in c["candidates"][0]["content"]["parts"])
    assert text == TEXT
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    for chunk in chunks:
        gt.GenerateContentResponse.model_validate(chunk)


def test_gemini_alt_sse_uses_crlf_framing(gw: GatewayProcess):
    resp = httpx.post(
        gw.base_url + f"/v1beta/models/{model('anthropic')}:streamGenerateContent?alt=sse",
        headers=AUTH,
        json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]},
    )
    assert resp.headers["content-type"].startswith("text/event-stream")
    assert "\r\n\r\n" in resp.text
    assert "event:" not in resp.text


# ---------------------------------------------------------------- routes and probes


def test_count_tokens_answers_locally(gw: GatewayProcess, upstream: FakeUpstream):
    with anthropic_client(gw) as client:
        counted = client.messages.count_tokens(
            model=model("anthropic"), messages=[{"role": "user", "content": "hello " * 100}]
        )
    assert 100 < counted.input_tokens < 400
    assert upstream.received == []


def test_provider_pinned_route(gw: GatewayProcess, upstream: FakeUpstream):
    resp = httpx.post(
        gw.v1 + "/providers/up-ollama/chat/completions",
        headers=AUTH,
        json={"model": MODEL["ollama"], "messages": [{"role": "user", "content": "hi"}]},
    )
    assert resp.status_code == 200
    assert resp.json()["choices"][0]["message"]["content"] == TEXT
    assert upstream.requests_to("up-ollama")[0].body["model"] == MODEL["ollama"]
    missing = httpx.post(
        gw.v1 + "/providers/nope/chat/completions",
        headers=AUTH,
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert missing.status_code == 404


def test_an_anthropic_body_on_the_openai_endpoint_is_answered_in_anthropic_format(gw: GatewayProcess):
    resp = httpx.post(
        gw.v1 + "/chat/completions",
        headers=AUTH,
        json={
            "model": model("openai"),
            "max_tokens": 32,
            "system": "Be brief.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        },
    )
    assert resp.status_code == 200
    message = anthropic.types.Message.model_validate(resp.json())
    assert message.content[0].text == TEXT  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"messages": [{"role": "user", "content": "Warmup"}]}, "OK", id="warmup"),
        pytest.param({"max_tokens": 1, "messages": [{"role": "user", "content": "quota"}]}, "", id="quota"),
        pytest.param(
            {
                "system": "Analyze if this message indicates a new conversation topic... isNewTopic",
                "messages": [{"role": "user", "content": "Fix the login bug in auth.py please"}],
            },
            '{"isNewTopic": true, "title": "Fix the login"}',
            id="title",
        ),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_claude_code_probes_are_answered_locally(
    gw: GatewayProcess, upstream: FakeUpstream, body: dict[str, object], expected: str, stream: bool
):
    with anthropic_client(gw) as client:
        request = {"model": model("anthropic"), "max_tokens": 16, **body}
        if stream:
            with client.messages.stream(**request) as s:  # type: ignore[arg-type]
                message = s.get_final_message()
        else:
            message = client.messages.create(**request)  # type: ignore[arg-type]
    assert "".join(b.text for b in message.content if b.type == "text") == expected
    assert upstream.received == [], "no provider was called"


# ---------------------------------------------------------------- what the next turn needs


def _two_turns(
    gw: GatewayProcess, upstream: FakeUpstream, provider: str, first: str, stream: bool, **extra: object
) -> dict[str, object]:
    """An OpenAI Chat client's two-turn tool conversation; returns the body of the second upstream request."""
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    history: list[dict[str, object]] = [{"role": "user", "content": "Weather in Paris and Tokyo?"}]
    upstream.script(provider, Reply(scenario=first), Reply(scenario="tools.followup"))
    with openai.OpenAI(base_url=gw.v1, api_key=GATEWAY_KEY, max_retries=0) as client:
        model_name = f"{provider}/{MODEL[provider.removeprefix('up-')]}"
        if stream:
            with client.chat.completions.stream(model=model_name, messages=history, tools=tools, **extra) as s:  # type: ignore[arg-type]
                message = s.get_final_completion().choices[0].message
        else:
            message = (
                client.chat.completions.create(model=model_name, messages=history, tools=tools, **extra)
                .choices[0]
                .message
            )  # type: ignore[arg-type]
        assert message.tool_calls
        history.append(message.model_dump(exclude_none=True, exclude={"parsed", "reasoning_content"}))
        history += [{"role": "tool", "tool_call_id": c.id, "content": "18 C"} for c in message.tool_calls]
        client.chat.completions.create(model=model_name, messages=history, tools=tools)  # type: ignore[arg-type]
    return upstream.requests_to(provider)[-1].body


@pytest.mark.parametrize("stream", [False, True])
def test_gemini_thought_signatures_come_back_for_an_openai_client(
    gw: GatewayProcess, upstream: FakeUpstream, stream: bool
):
    """The OpenAI client cannot carry a thoughtSignature; the gateway puts it back on the call."""
    second = _two_turns(gw, upstream, "up-gemini", "tools", stream)
    parts = [p for c in second["contents"] for p in c["parts"]]  # type: ignore[index, union-attr]
    calls = [p for p in parts if "functionCall" in p]
    assert len(calls) == 2
    assert calls[0]["thoughtSignature"].startswith("6hWfhoisJ+kDqmAD")


def test_signed_thinking_comes_back_for_an_openai_client(gw: GatewayProcess, upstream: FakeUpstream):
    """Anthropic with thinking and tools needs the signed thinking block before the tool_use again."""
    second = _two_turns(gw, upstream, "up-anthropic", "thinking-tools", False)
    assistant = [m for m in second["messages"] if m["role"] == "assistant"][-1]  # type: ignore[index, union-attr]
    kinds = [b["type"] for b in assistant["content"]]
    assert kinds[0] == "thinking"
    assert assistant["content"][0]["signature"].startswith("WgF0BuDcLhtfAl206MrV")
    assert "tool_use" in kinds
