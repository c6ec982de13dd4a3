"""translate/gemini/response.py: every response fixture into the hub and back (valid for google-genai),
and OpenAI Chat responses out as Gemini responses."""

from __future__ import annotations

import copy

import pytest

from omniroute_agent.translate.gemini import response
from omniroute_agent.translate.openai_chat import response as openai_response

from ..streams import load
from .helpers import GEMINI, OPENAI, SIG_THINKING, SIG_TOOLS, validate_response

# fixture: (content, finish_reason, (prompt, completion, reasoning) tokens)
EXPECTED: dict[str, tuple[str | None, str, tuple[int, int, int]]] = {
    "text.response.json": ("The capital of France is Paris.", "stop", (17, 42, 35)),
    "image.response.json": ("A small red-and-white checkerboard pattern.", "stop", (278, 70, 61)),
    "max-tokens.response.json": (
        "The planets in order from the Sun are Mercury, Venus, Earth, Mars, Jupiter,",
        "length",
        (17, 16, 0),
    ),
    "params.response.json": ("1. Mercury\n2. Venus\n3. Earth\n", "stop", (19, 15, 0)),
    "structured.response.json": (
        '{"name": "Science fair", "date": "Friday", "participants": ["Alice", "Bob"]}',
        "stop",
        (24, 131, 112),
    ),
    "thinking.response.json": (
        "9.8 is larger than 9.11, because 0.8 (eight tenths) is greater than 0.11 (eleven hundredths).",
        "stop",
        (12, 215, 188),
    ),
    "tools.followup.response.json": (
        "It's 18 °C and partly cloudy in Paris, and 22 °C and clear in Tokyo.",
        "stop",
        (301, 63, 41),
    ),
    "tools.response.json": (None, "tool_calls", (78, 140, 96)),
}
# Known losses of response_to_hub → response_from_hub, for every fixture (ids and model are kept).
KNOWN_LOSSES = {("usageMetadata", "promptTokensDetails"): "per-modality prompt counts have no hub field"}


def test_every_response_fixture_has_an_expectation() -> None:
    assert {p.name for p in GEMINI.glob("*.response.json")} == set(EXPECTED)


@pytest.mark.parametrize(("fixture", "expected"), EXPECTED.items(), ids=EXPECTED.keys())
def test_to_hub(fixture: str, expected: tuple[str | None, str, tuple[int, int, int]]) -> None:
    body = load(GEMINI / fixture)
    hub = response.to_hub(body)
    content, finish, (prompt, completion, reasoning) = expected
    (choice,) = hub["choices"]
    assert choice["message"]["content"] == content
    assert choice["finish_reason"] == finish
    assert hub["stop_reason"] == body["candidates"][0]["finishReason"]
    assert hub["id"] == body["responseId"]
    assert hub["model"] == "gemini-2.5-flash"
    usage = hub["usage"]
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (prompt, completion)
    assert usage["total_tokens"] == body["usageMetadata"]["totalTokenCount"]
    assert usage.get("completion_tokens_details", {}).get("reasoning_tokens", 0) == reasoning


def test_tool_calls_and_signature() -> None:
    message = response.to_hub(load(GEMINI / "tools.response.json"))["choices"][0]["message"]
    assert message["tool_calls"] == [
        {
            "id": "call_IC-Nfk5jREMdNWbXRRu7S0G_0",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location":"Paris, France","unit":"celsius"}'},
            "signature": SIG_TOOLS,
        },
        {
            "id": "call_IC-Nfk5jREMdNWbXRRu7S0G_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location":"Tokyo, Japan","unit":"celsius"}'},
        },
    ]


def test_thinking_blocks() -> None:
    message = response.to_hub(load(GEMINI / "thinking.response.json"))["choices"][0]["message"]
    thought = (
        "**Comparing decimal values**\n\nBoth numbers have 9 as the whole part, so I compare the fractional "
        "parts. 0.8 equals 0.80, which is larger than 0.11.\n\n"
    )
    assert message["reasoning"] == [
        {"type": "thinking", "text": thought, "signature": SIG_THINKING, "format": "gemini"}
    ]
    assert message["reasoning_content"] == thought


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_round_trip(fixture: str) -> None:
    body = load(GEMINI / fixture)
    expected = copy.deepcopy(body)
    for outer, inner in KNOWN_LOSSES:
        del expected[outer][inner]
    back = response.from_hub(response.to_hub(body), "unused")
    assert back == expected
    validate_response(back)


def test_blocked_prompt() -> None:
    body = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 5}}
    hub = response.to_hub(body)
    assert hub["choices"][0]["finish_reason"] == "content_filter"
    assert hub["stop_reason"] == "SAFETY"
    assert hub["usage"] == {"prompt_tokens": 5, "completion_tokens": 0, "total_tokens": 5}


FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "SPII": "content_filter",
    "RECITATION": "content_filter",
    "OTHER": "stop",
    "MALFORMED_FUNCTION_CALL": "stop",
}


@pytest.mark.parametrize(("gemini", "hub"), FINISH.items(), ids=FINISH.keys())
def test_finish_reasons_keep_the_provider_reason(gemini: str, hub: str) -> None:
    body = {"candidates": [{"content": {"role": "model", "parts": [{"text": "x"}]}, "finishReason": gemini}]}
    converted = response.to_hub(body)
    assert converted["choices"][0]["finish_reason"] == hub
    assert response.from_hub(converted, "m")["candidates"][0]["finishReason"] == gemini


# OpenAI Chat fixture: the finishReason its Gemini rendering must carry
OPENAI_CASES = {
    "text.response.json": "STOP",
    "tools.response.json": "STOP",
    "max-tokens.response.json": "MAX_TOKENS",
    "reasoning-deepseek.response.json": "STOP",
}


@pytest.mark.parametrize("fixture", OPENAI_CASES)
def test_openai_responses_out(fixture: str) -> None:
    source = load(OPENAI / fixture)
    hub = openai_response.to_hub(copy.deepcopy(source))
    body = response.from_hub(hub, "gpt-4.1-mini")
    parsed = validate_response(body)
    assert body["candidates"][0]["finishReason"] == OPENAI_CASES[fixture]
    assert body["modelVersion"] == source["model"]
    assert body["responseId"] == source["id"]
    usage = source["usage"]
    meta = body["usageMetadata"]
    reasoning = usage.get("completion_tokens_details", {}).get("reasoning_tokens", 0)
    assert meta["promptTokenCount"] == usage["prompt_tokens"]
    assert meta["candidatesTokenCount"] + meta.get("thoughtsTokenCount", 0) == usage["completion_tokens"]
    assert meta.get("thoughtsTokenCount", 0) == reasoning
    assert meta["totalTokenCount"] == usage["prompt_tokens"] + usage["completion_tokens"]
    message = source["choices"][0]["message"]
    parts = body["candidates"][0]["content"]["parts"]
    if message.get("tool_calls"):
        calls = [p["functionCall"] for p in parts if "functionCall" in p]
        assert [c["id"] for c in calls] == [c["id"] for c in message["tool_calls"]]
        assert parsed.function_calls is not None
        assert [c.name for c in parsed.function_calls] == [c["function"]["name"] for c in message["tool_calls"]]
    if message.get("content"):
        assert parsed.text == message["content"]
    if message.get("reasoning_content"):  # another provider's reasoning is shown to the client as thoughts
        assert parts[0] == {"text": message["reasoning_content"], "thought": True}
