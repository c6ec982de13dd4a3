"""The translation matrix: each client SDK (OpenAI Chat, OpenAI Responses, Anthropic, Google GenAI)
against a fake upstream of each wire format (openai, anthropic, gemini, responses, ollama),
streaming and not, for a plain answer, a two-turn tool-call conversation and a reasoning answer.

Every SDK must parse every response without error, and what it assembles (text, tool calls with
their exact ids and names, reasoning) must equal what the upstream's fixture says.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest
from google import genai
from google.genai import types as gt

from tests.conftest import FORMAT_MODELS, GATEWAY_KEY, GatewayProcess, start_gateway, write_format_config
from tests.fakes.upstream import FakeUpstream, Reply, fixture_json

UPSTREAMS = ["openai", "anthropic", "gemini", "responses", "ollama"]
MODELS = FORMAT_MODELS
TEXT = "The capital of France is Paris."
FOLLOWUP = "It's 18 °C and partly cloudy in Paris, and 22 °C and clear in Tokyo."
REASONED = "9.8 is larger than 9.11, because 0.8 (eight tenths) is greater than 0.11 (eleven hundredths)."
CALL_ARGS = [
    {"location": "Paris, France", "unit": "celsius"},
    {"location": "Tokyo, Japan", "unit": "celsius"},
]
RESULTS = [{"temperature": 18, "condition": "partly cloudy"}, {"temperature": 22, "condition": "clear"}]
WEATHER = {
    "name": "get_weather",
    "description": "Get the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["location", "unit"],
    },
}
ASK_TEXT = "What is the capital of France? Answer in one sentence."
ASK_TOOLS = "What's the weather in Paris and Tokyo?"
ASK_REASON = "Which number is larger, 9.11 or 9.8?"


def upstream_call_ids(fmt: str) -> list[str] | None:
    """The tool-call ids the upstream's fixture assigns (Gemini assigns none: the gateway does)."""
    if fmt == "openai":
        return [c["id"] for c in fixture_json("openai-chat/tools.response.json")["choices"][0]["message"]["tool_calls"]]
    if fmt == "anthropic":
        return [b["id"] for b in fixture_json("anthropic/tools.response.json")["content"] if b["type"] == "tool_use"]
    if fmt == "responses":
        items = fixture_json("openai-responses/tools.response.json")["output"]
        return [o["call_id"] for o in items if o["type"] == "function_call"]
    if fmt == "ollama":
        return [c["id"] for c in fixture_json("ollama/tools.response.json")["message"]["tool_calls"]]
    return None


@dataclass
class Call:
    id: str
    name: str
    args: dict[str, Any]


# ---------------------------------------------------------------- one adapter per client SDK


class ChatClient:
    name = "openai-chat"

    def __init__(self, gw: GatewayProcess) -> None:
        self.sdk = openai.OpenAI(base_url=gw.v1, api_key=GATEWAY_KEY, max_retries=0, timeout=20)

    def close(self) -> None:
        self.sdk.close()

    def _ask(self, model: str, messages: list[Any], stream: bool, **extra: Any) -> Any:
        if stream:
            with self.sdk.chat.completions.stream(model=model, messages=messages, **extra) as s:
                return s.get_final_completion().choices[0].message
        return self.sdk.chat.completions.create(model=model, messages=messages, **extra).choices[0].message

    def text(self, model: str, stream: bool) -> str:
        return str(self._ask(model, [{"role": "user", "content": ASK_TEXT}], stream).content)

    def tools(self, model: str, stream: bool, second_turn: Callable[[], None]) -> tuple[list[Call], str]:
        tools = [{"type": "function", "function": WEATHER}]
        history: list[Any] = [{"role": "user", "content": ASK_TOOLS}]
        message = self._ask(model, history, stream, tools=tools)
        calls = [Call(c.id, c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or []]
        second_turn()
        history.append(message.model_dump(exclude_none=True, exclude={"parsed"}))
        history += [
            {"role": "tool", "tool_call_id": c.id, "content": json.dumps(r)}
            for c, r in zip(calls, RESULTS, strict=True)
        ]
        final = self._ask(model, history, False, tools=tools)
        return calls, str(final.content)

    def reasoning(self, model: str, stream: bool) -> tuple[str, str]:
        message = self._ask(model, [{"role": "user", "content": ASK_REASON}], stream, reasoning_effort="low")
        return str(message.content), str((message.model_extra or {}).get("reasoning_content") or "")


class ResponsesClient:
    name = "openai-responses"

    def __init__(self, gw: GatewayProcess) -> None:
        self.sdk = openai.OpenAI(base_url=gw.v1, api_key=GATEWAY_KEY, max_retries=0, timeout=20)

    def close(self) -> None:
        self.sdk.close()

    def _ask(self, model: str, input_: Any, stream: bool, **extra: Any) -> Any:
        if stream:
            with self.sdk.responses.stream(model=model, input=input_, **extra) as s:
                return s.get_final_response()
        return self.sdk.responses.create(model=model, input=input_, **extra)

    def text(self, model: str, stream: bool) -> str:
        return str(self._ask(model, ASK_TEXT, stream).output_text)

    def tools(self, model: str, stream: bool, second_turn: Callable[[], None]) -> tuple[list[Call], str]:
        tools = [{"type": "function", **WEATHER}]
        first = self._ask(model, ASK_TOOLS, stream, tools=tools)
        items = [o for o in first.output if o.type == "function_call"]
        calls = [Call(o.call_id, o.name, json.loads(o.arguments)) for o in items]
        second_turn()
        history: list[Any] = [{"role": "user", "content": ASK_TOOLS}]
        history += [o.model_dump(exclude_none=True) for o in first.output if o.type in ("function_call", "message")]
        history += [
            {"type": "function_call_output", "call_id": c.id, "output": json.dumps(r)}
            for c, r in zip(calls, RESULTS, strict=True)
        ]
        return calls, str(self._ask(model, history, False, tools=tools).output_text)

    def reasoning(self, model: str, stream: bool) -> tuple[str, str]:
        answer = self._ask(model, ASK_REASON, stream, reasoning={"effort": "low", "summary": "auto"})
        summary = "".join(s.text for o in answer.output if o.type == "reasoning" for s in o.summary)
        return str(answer.output_text), summary


class AnthropicClient:
    name = "anthropic"

    def __init__(self, gw: GatewayProcess) -> None:
        self.sdk = anthropic.Anthropic(base_url=gw.base_url, api_key=GATEWAY_KEY, max_retries=0, timeout=20)

    def close(self) -> None:
        self.sdk.close()

    def _ask(self, model: str, messages: list[Any], stream: bool, **extra: Any) -> Any:
        extra.setdefault("max_tokens", 2048)
        if stream:
            with self.sdk.messages.stream(model=model, messages=messages, **extra) as s:
                return s.get_final_message()
        return self.sdk.messages.create(model=model, messages=messages, **extra)

    @staticmethod
    def _text(message: Any) -> str:
        return "".join(b.text for b in message.content if b.type == "text")

    def text(self, model: str, stream: bool) -> str:
        return self._text(self._ask(model, [{"role": "user", "content": ASK_TEXT}], stream))

    def tools(self, model: str, stream: bool, second_turn: Callable[[], None]) -> tuple[list[Call], str]:
        tools = [
            {
                "name": WEATHER["name"],
                "description": WEATHER["description"],
                "input_schema": WEATHER["parameters"],
            }
        ]
        history: list[Any] = [{"role": "user", "content": ASK_TOOLS}]
        first = self._ask(model, history, stream, tools=tools)
        uses = [b for b in first.content if b.type == "tool_use"]
        calls = [Call(b.id, b.name, dict(b.input)) for b in uses]
        second_turn()
        history.append({"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]})
        history.append(
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": c.id, "content": json.dumps(r)}
                    for c, r in zip(calls, RESULTS, strict=True)
                ],
            }
        )
        return calls, self._text(self._ask(model, history, False, tools=tools))

    def reasoning(self, model: str, stream: bool) -> tuple[str, str]:
        message = self._ask(
            model,
            [{"role": "user", "content": ASK_REASON}],
            stream,
            thinking={"type": "enabled", "budget_tokens": 1024},
        )
        thinking = "".join(b.thinking for b in message.content if b.type == "thinking")
        return self._text(message), thinking


class GeminiClient:
    name = "google-genai"

    def __init__(self, gw: GatewayProcess) -> None:
        self.sdk = genai.Client(
            api_key=GATEWAY_KEY,
            http_options=gt.HttpOptions(base_url=gw.base_url, api_version="v1beta", timeout=20_000),
        )

    def close(self) -> None:
        self.sdk.close()

    def _ask(
        self, model: str, contents: Any, stream: bool, config: gt.GenerateContentConfig | None = None
    ) -> tuple[str, str, list[Any], Any]:
        """(text, thoughts, function calls, the model's content for the next turn)."""
        chunks = (
            list(self.sdk.models.generate_content_stream(model=model, contents=contents, config=config))
            if stream
            else [self.sdk.models.generate_content(model=model, contents=contents, config=config)]
        )
        parts = [p for c in chunks for cand in (c.candidates or []) for p in (cand.content.parts or [])]
        text = "".join(p.text for p in parts if p.text and not p.thought)
        thoughts = "".join(p.text for p in parts if p.text and p.thought)
        calls = [p.function_call for p in parts if p.function_call]
        content = gt.Content(role="model", parts=parts)
        return text, thoughts, calls, content

    def text(self, model: str, stream: bool) -> str:
        return self._ask(model, ASK_TEXT, stream)[0]

    def tools(self, model: str, stream: bool, second_turn: Callable[[], None]) -> tuple[list[Call], str]:
        config = gt.GenerateContentConfig(
            tools=[
                gt.Tool(
                    function_declarations=[
                        gt.FunctionDeclaration(
                            name=WEATHER["name"],
                            description=WEATHER["description"],
                            parameters_json_schema=WEATHER["parameters"],
                        )
                    ]
                )
            ]
        )
        user = gt.Content(role="user", parts=[gt.Part(text=ASK_TOOLS)])
        _, _, fcs, content = self._ask(model, [user], stream, config)
        calls = [Call(f.id or "", f.name or "", dict(f.args or {})) for f in fcs]
        second_turn()
        replies = gt.Content(
            role="user",
            parts=[
                gt.Part(function_response=gt.FunctionResponse(id=f.id, name=f.name, response=r))
                for f, r in zip(fcs, RESULTS, strict=True)
            ],
        )
        return calls, self._ask(model, [user, content, replies], False, config)[0]

    def reasoning(self, model: str, stream: bool) -> tuple[str, str]:
        config = gt.GenerateContentConfig(
            thinking_config=gt.ThinkingConfig(include_thoughts=True, thinking_budget=1024)
        )
        text, thoughts, _, _ = self._ask(model, ASK_REASON, stream, config)
        return text, thoughts


CLIENTS = [ChatClient, ResponsesClient, AnthropicClient, GeminiClient]
Client = ChatClient | ResponsesClient | AnthropicClient | GeminiClient


# ---------------------------------------------------------------- the gateway under test


@pytest.fixture(scope="module")
def matrix_gateway(tmp_path_factory: pytest.TempPathFactory, upstream_server: FakeUpstream) -> Iterator[GatewayProcess]:
    root: Path = tmp_path_factory.mktemp("matrix")
    config = write_format_config(root / "omniroute.toml", upstream_server)
    gw = start_gateway(root / "data", config)
    yield gw
    gw.stop()


@pytest.fixture
def connect(matrix_gateway: GatewayProcess) -> Iterator[Callable[[type[Client]], Client]]:
    """Builds a client SDK pointed at the gateway, and closes it after the test."""
    made: list[Client] = []

    def make(client_type: type[Client]) -> Client:
        made.append(client_type(matrix_gateway))
        return made[-1]

    yield make
    for client in made:
        client.close()


def case_ids(client: type, upstream: str, stream: bool) -> str:
    return f"{client.name}-from-{upstream}-{'stream' if stream else 'whole'}"  # type: ignore[attr-defined]


MATRIX = [
    pytest.param(client, upstream, stream, id=case_ids(client, upstream, stream))
    for client in CLIENTS
    for upstream in UPSTREAMS
    for stream in (False, True)
]


@pytest.mark.parametrize(("client_type", "upstream_format", "stream"), MATRIX)
def test_text(
    connect: Callable[[type[Client]], Client],
    upstream: FakeUpstream,
    client_type: type[Client],
    upstream_format: str,
    stream: bool,
):
    client = connect(client_type)
    assert client.text(f"up-{upstream_format}/{MODELS[upstream_format]}", stream) == TEXT
    [sent] = upstream.requests_to(f"up-{upstream_format}")
    assert ASK_TEXT in json.dumps(sent.body), "the user's text reached the upstream in its own format"


@pytest.mark.parametrize(("client_type", "upstream_format", "stream"), MATRIX)
def test_two_turn_tool_calls(
    connect: Callable[[type[Client]], Client],
    upstream: FakeUpstream,
    client_type: type[Client],
    upstream_format: str,
    stream: bool,
):
    provider = f"up-{upstream_format}"
    upstream.script(provider, Reply(scenario="tools"))
    client = connect(client_type)
    calls, answer = client.tools(
        f"{provider}/{MODELS[upstream_format]}",
        stream,
        lambda: upstream.script(provider, Reply(scenario="tools.followup")),
    )
    assert [c.name for c in calls] == ["get_weather", "get_weather"], "names exact: no prefix, no case change"
    assert [c.args for c in calls] == CALL_ARGS
    expected_ids = upstream_call_ids(upstream_format)
    if expected_ids is not None:
        assert [c.id for c in calls] == expected_ids, "the provider's call ids reach the client unchanged"
    if not (client_type is GeminiClient and upstream_format == "gemini"):
        # Gemini to Gemini is a passthrough: Gemini assigns no ids and the client matches by name.
        assert len({c.id for c in calls}) == 2
        assert all(c.id for c in calls)
    assert answer == FOLLOWUP
    second = upstream.requests_to(provider)[-1].body
    sent = json.dumps(second)
    for result in RESULTS:
        assert str(result["temperature"]) in sent, "both tool results reached the upstream"
    if upstream_format == "gemini":
        parts = [p for c in second["contents"] for p in c.get("parts", [])]
        assert [p["functionResponse"]["name"] for p in parts if "functionResponse" in p] == ["get_weather"] * 2


@pytest.mark.parametrize(("client_type", "upstream_format", "stream"), MATRIX)
def test_reasoning(
    connect: Callable[[type[Client]], Client],
    upstream: FakeUpstream,
    client_type: type[Client],
    upstream_format: str,
    stream: bool,
):
    provider = f"up-{upstream_format}"
    upstream.script(provider, Reply(scenario="reasoning"))
    answer, reasoning = connect(client_type).reasoning(f"{provider}/{MODELS[upstream_format]}", stream)
    assert answer.strip() == REASONED
    assert "0.8" in reasoning, "the model's reasoning reaches the client in its own form"
