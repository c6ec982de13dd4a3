"""translate/anthropic/request.py: Anthropic Messages request fixtures to the hub and back (with the
written list of what a round trip loses), checked with the SDK's request types, and OpenAI Chat
request fixtures sent to an Anthropic model."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from omniroute_agent.translate.anthropic import request
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.openai_chat import request as oa_request

from ..streams import load
from .helpers import ANTHROPIC, OPENAI, PARIS_ARGS, TOKYO_ARGS, WEATHER_TOOL, call, validate_request

WEATHER_QUESTION = "What's the weather like in Paris and in Tokyo right now?"
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAHUlEQVR42mO4YGAARP/BAJnNgFMCUwjCxi1BBzsASlSFoTRYE6kAAAAASUVO"
    "RK5CYII="
)
THOUGHT = "The user asks for the current weather in Paris. I should call get_weather with Paris, France in celsius."
SIGNATURE = (
    "WgF0BuDcLhtfAl206MrVL1EHkiycJt83h7HVkG8UJglPTXBh79vfrXEgPBT2CudZwWqFb9XQyMAuO/TYE8yw8Pc9WhAIEq6CvQBJ+36zZv/1"
    "vNiJTmjSWlYlNr1l0INiqasjNOgJibx61fqLsm2SAujY3pTs7txjruXLByUy0XobZfbm2xBHnnLGQLEW+irzUNf1wZN42Lx6XpTr4ajzP3Ue"
    "kIWck+D3a/kLxUJoT4SO2i092BLVQi0+NZxtD1Tkv921TDWmz3xJSvEKvEYejDc+DOg3ECvTA4gaMA=="
)
PARIS = '{"location": "Paris, France", "temperature": 18, "unit": "celsius", "conditions": "partly cloudy"}'
TOKYO = '{"location": "Tokyo, Japan", "temperature": 22, "unit": "celsius", "conditions": "clear"}'
PLANETS = "List the planets of the solar system in order from the Sun."
MODEL = "claude-sonnet-4-5"
DEFAULT = Quirks()


EXPECTED_HUB: dict[str, dict[str, Any]] = {
    "text": {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are a concise assistant. Keep answers short."},
            {"role": "user", "content": "What is the capital of France? Answer in one sentence."},
        ],
        "max_tokens": 1024,
    },
    "tools": {
        "model": MODEL,
        "messages": [{"role": "user", "content": WEATHER_QUESTION}],
        "max_tokens": 1024,
        "tools": [WEATHER_TOOL],
        "tool_choice": "auto",
    },
    "tools.followup": {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": WEATHER_QUESTION},
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "I'll check the current weather in both cities."}],
                "tool_calls": [
                    call("toolu_01VxcwrWVZweDCtZXhgsC7VL", PARIS_ARGS),
                    call("toolu_01XJjajPAR1QXJitWmxfFc1j", TOKYO_ARGS),
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_01VxcwrWVZweDCtZXhgsC7VL", "content": PARIS},
            {
                "role": "tool",
                "tool_call_id": "toolu_01XJjajPAR1QXJitWmxfFc1j",
                "content": [{"type": "text", "text": TOKYO}],
            },
        ],
        "max_tokens": 1024,
        "tools": [WEATHER_TOOL],
    },
    "image": {
        "model": MODEL,
        "messages": [
            {
                "role": "system",
                "content": [{"type": "text", "text": "You are a concise assistant. Keep answers short."}],
            },
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    {"type": "text", "text": "What is in this image? Reply in one short sentence."},
                ],
            },
        ],
        "max_tokens": 256,
    },
    "params": {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "Answer with a numbered list."},
            {"role": "user", "content": PLANETS},
        ],
        "max_tokens": 64,
        "stop": ["4."],
        "user": "user-1234",
    },
    "params-sampling-2023-06-01": {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "Answer with a numbered list."},
            {"role": "user", "content": PLANETS},
        ],
        "max_tokens": 64,
        "temperature": 0.2,
        "top_k": 40,
        "stop": ["4."],
    },
    "structured": {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "Extract the event information."},
            {
                "role": "user",
                "content": "Extract the event: Alice and Bob are going to a science fair on Friday.",
            },
        ],
        "max_tokens": 512,
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "response",
                "schema": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "date": {"type": "string"},
                        "participants": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["name", "date", "participants"],
                    "additionalProperties": False,
                },
                "strict": True,
            },
        },
    },
    "thinking": {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Which number is larger, 9.11 or 9.8?"}],
        "max_tokens": 4096,
        "reasoning_budget": 2048,
    },
    "thinking-tools.followup": {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": "What's the weather in Paris right now?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [call("toolu_011X8qSAk398bFnq9Ap3j49F", PARIS_ARGS)],
                "reasoning": [{"type": "thinking", "text": THOUGHT, "signature": SIGNATURE, "format": "anthropic"}],
                "reasoning_content": THOUGHT,
            },
            {"role": "tool", "tool_call_id": "toolu_011X8qSAk398bFnq9Ap3j49F", "content": PARIS},
        ],
        "max_tokens": 4096,
        "tools": [WEATHER_TOOL],
        "reasoning_budget": 2048,
    },
}


@pytest.mark.parametrize("name", EXPECTED_HUB)
def test_to_hub(name: str) -> None:
    assert request.to_hub(load(ANTHROPIC / f"{name}.request.json")) == EXPECTED_HUB[name]


# What `from_hub(to_hub(x))` does not give back, per fixture: (path in the body, reason).
KNOWN_LOSSES: dict[str, list[tuple[str, str]]] = {
    "image.request.json": [("system.0.cache_control", "the hub declares no cache_control mark")],
}
REQUESTS = sorted(p.name for p in ANTHROPIC.glob("*.request.json"))


def drop(body: Any, path: str) -> None:
    *parents, last = path.split(".")
    for key in parents:
        body = body[int(key)] if isinstance(body, list) else body.get(key, {})
    if isinstance(body, dict):
        body.pop(last, None)


@pytest.mark.parametrize("name", REQUESTS)
def test_round_trip(name: str) -> None:
    body = load(ANTHROPIC / name)
    back = request.from_hub(request.to_hub(copy.deepcopy(body)), body["model"], Quirks())
    for path, _reason in KNOWN_LOSSES.get(name, []):
        drop(body, path)
        drop(back, path)
    assert back == body


@pytest.mark.parametrize("name", REQUESTS)
def test_from_hub_is_valid_for_the_sdk(name: str) -> None:
    body = load(ANTHROPIC / name)
    validate_request(request.from_hub(request.to_hub(body), MODEL, Quirks()))


# --- OpenAI Chat requests sent to an Anthropic model ---------------------------------------------


def from_openai(name: str, quirks: Quirks = DEFAULT) -> dict[str, Any]:
    body = request.from_hub(oa_request.to_hub(load(OPENAI / f"{name}.request.json")), MODEL, quirks)
    validate_request(body)
    return body


def test_openai_text() -> None:
    body = from_openai("text")
    assert body["system"] == "You are a concise assistant. Keep answers short."
    assert body["messages"] == [{"role": "user", "content": "What is the capital of France? Answer in one sentence."}]
    assert body["max_tokens"] == Quirks().max_tokens_default


def test_openai_text_stream() -> None:
    body = from_openai("text.stream")
    assert body["stream"] is True
    assert "stream_options" not in body


def test_openai_tools() -> None:
    body = from_openai("tools")
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Get the current weather for a location.",
            "input_schema": {**WEATHER_TOOL["function"]["parameters"], "additionalProperties": False},  # type: ignore[index]
            "strict": True,
        }
    ]
    assert body["tool_choice"] == {"type": "auto"}
    assert "parallel_tool_calls" not in body


def test_openai_tools_followup() -> None:
    body = from_openai("tools.followup")
    assert body["messages"] == [
        {"role": "user", "content": WEATHER_QUESTION},
        {
            "role": "assistant",
            "content": [
                {
                    "type": "tool_use",
                    "id": "call_c3j27xdcg2lMLzgeonyLGcTJ",
                    "name": "get_weather",
                    "input": {"location": "Paris, France", "unit": "celsius"},
                },
                {
                    "type": "tool_use",
                    "id": "call_eRqhqWJYAXeRpzds3mOjAqnJ",
                    "name": "get_weather",
                    "input": {"location": "Tokyo, Japan", "unit": "celsius"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_c3j27xdcg2lMLzgeonyLGcTJ", "content": PARIS},
                {"type": "tool_result", "tool_use_id": "call_eRqhqWJYAXeRpzds3mOjAqnJ", "content": TOKYO},
            ],
        },
    ]


def test_openai_image() -> None:
    body = from_openai("image")
    assert body["system"] == "You are a concise assistant. Keep answers short."
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "What is in this image? Reply in one short sentence."},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
    ]
    assert body["max_tokens"] == 100  # from max_completion_tokens


def test_openai_params() -> None:
    body = from_openai("params")
    assert body["system"] == "Answer with a numbered list. Stop after the third item."  # developer → system
    assert body["stop_sequences"] == ["4."]
    assert body["max_tokens"] == 16
    assert (body["temperature"], body["top_p"]) == (0.2, 0.9)
    assert body["metadata"] == {"user_id": "user-1234"}
    for openai_only in ("seed", "n", "presence_penalty", "frequency_penalty", "user", "stop"):
        assert openai_only not in body
    assert "temperature" not in from_openai("params", Quirks(drop_sampling=True))


def test_openai_structured() -> None:
    body = from_openai("structured")
    schema = load(OPENAI / "structured.request.json")["response_format"]["json_schema"]["schema"]
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert body["system"] == "Extract the event information."
    assert body["max_tokens"] == 200


def test_openai_deepseek_reasoning_stream() -> None:
    body = from_openai("reasoning-deepseek.stream")
    assert body["messages"] == [{"role": "user", "content": "Which number is larger, 9.11 or 9.8?"}]
    assert body["stream"] is True
