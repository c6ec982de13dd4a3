"""translate/ollama/response.py: Ollama /api/chat responses to the hub and back, against the fixtures
in tests/wire/ollama/, plus OpenAI response fixtures written as Ollama responses."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from omniroute_agent.errors import UpstreamError
from omniroute_agent.translate.hub import ChatResponse
from omniroute_agent.translate.ollama.response import from_hub, to_hub
from omniroute_agent.translate.openai_chat import response as openai_response
from tests.unit.translate.ollama.helpers import OLLAMA, OPENAI, check_response
from tests.unit.translate.streams import load

ANSWER = "9.8 is larger than 9.11, because 0.8 (eight tenths) is greater than 0.11 (eleven hundredths)."
THINKING = (
    "Okay, the user wants to know which is larger, 9.11 or 9.8. Both start with 9, so compare 0.11 and 0.8. "
    "0.8 is 0.80, which is more than 0.11. So 9.8 is larger."
)

EXPECTED_HUB: dict[str, ChatResponse] = {
    "text.response.json": {
        "id": "chatcmpl-ollama-20251120140301482915",
        "object": "chat.completion",
        "created": 1763647381,
        "model": "llama3.2",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "The capital of France is Paris."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 36, "completion_tokens": 8, "total_tokens": 44},
        "stop_reason": "stop",
    },
    "tools.response.json": {
        "id": "chatcmpl-ollama-20251120140303844124",
        "object": "chat.completion",
        "created": 1763647383,
        "model": "qwen3:8b",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_29326ml6",
                            "type": "function",
                            "function": {
                                "name": "get_weather",
                                "arguments": '{"location":"Paris, France","unit":"celsius"}',
                            },
                        },
                        {
                            "id": "call_4r7wjyax",
                            "type": "function",
                            "function": {
                                "name": "get_weather",
                                "arguments": '{"location":"Tokyo, Japan","unit":"celsius"}',
                            },
                        },
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": {"prompt_tokens": 212, "completion_tokens": 58, "total_tokens": 270},
        "stop_reason": "stop",  # Ollama says "stop" after tool calls
    },
    "thinking.response.json": {
        "id": "chatcmpl-ollama-20251120140310120044",
        "object": "chat.completion",
        "created": 1763647390,
        "model": "qwen3:8b",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": ANSWER,
                    "reasoning_content": THINKING,
                    "reasoning": [
                        {
                            "type": "thinking",
                            "format": "ollama",
                            "text": THINKING,
                        }
                    ],
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 22, "completion_tokens": 97, "total_tokens": 119},
        "stop_reason": "stop",
    },
    "max-tokens.response.json": {
        "id": "chatcmpl-ollama-2025112014033100533",
        "object": "chat.completion",
        "created": 1763647411,
        "model": "llama3.2",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "The planets in order from the Sun are Mercury, Venus, Earth, Mars, Jupiter,",
                },
                "finish_reason": "length",
            }
        ],
        "usage": {"prompt_tokens": 24, "completion_tokens": 16, "total_tokens": 40},
        "stop_reason": "length",
    },
}

# Known losses of response_to_hub → response_from_hub, for every response fixture
KNOWN_LOSSES: dict[str, str] = {
    "total_duration": "timing counters have no hub slot and are not invented on the way out",
    "load_duration": "as total_duration",
    "prompt_eval_duration": "as total_duration",
    "eval_duration": "as total_duration",
    "created_at": "the hub keeps whole epoch seconds: the fraction is cut (14:03:01.482915Z → 14:03:01Z)",
}
RESPONSE_FIXTURES = sorted(p.name for p in OLLAMA.glob("*.response.json"))


def without_losses(body: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in copy.deepcopy(body).items() if k not in KNOWN_LOSSES}
    out["created_at"] = body["created_at"].split(".")[0].removesuffix("Z") + "Z"
    return out


@pytest.mark.parametrize("fixture", EXPECTED_HUB)
def test_to_hub(fixture: str) -> None:
    assert to_hub(load(OLLAMA / fixture)) == EXPECTED_HUB[fixture]


@pytest.mark.parametrize("fixture", RESPONSE_FIXTURES)
def test_round_trip(fixture: str) -> None:
    body = load(OLLAMA / fixture)
    back = from_hub(to_hub(copy.deepcopy(body)), "ignored")
    assert back == without_losses(body)
    check_response(back)


@pytest.mark.parametrize(
    ("fixture", "done_reason"),
    [
        ("text", "stop"),
        ("tools", "stop"),
        ("reasoning-deepseek", "stop"),
        ("max-tokens", "length"),
        ("structured", "stop"),
        ("reasoning-think-tags", "stop"),
    ],
)
def test_openai_responses_written_for_ollama(fixture: str, done_reason: str) -> None:
    source = load(OPENAI / f"{fixture}.response.json")
    hub = openai_response.to_hub(copy.deepcopy(source))
    body = from_hub(hub, "llama3.2")
    check_response(body)
    assert body["model"] == source["model"]
    assert body["done_reason"] == done_reason
    assert body["prompt_eval_count"] == source["usage"]["prompt_tokens"]
    assert body["eval_count"] == source["usage"]["completion_tokens"]
    if fixture == "tools":
        assert [c["function"]["arguments"] for c in body["message"]["tool_calls"]] == [
            {"location": "Paris, France", "unit": "celsius"},
            {"location": "Tokyo, Japan", "unit": "celsius"},
        ]
        assert body["message"]["content"] == ""
    if fixture.startswith("reasoning"):
        assert body["message"]["thinking"]
        assert "<think>" not in body["message"]["content"]


@pytest.mark.parametrize(
    ("finish", "done_reason"),
    [
        ("stop", "stop"),
        ("tool_calls", "stop"),
        ("length", "length"),
        ("content_filter", "stop"),
        (None, "stop"),
    ],
)
def test_done_reason(finish: str | None, done_reason: str) -> None:
    hub: ChatResponse = {
        "created": 1763647381,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "x"}, "finish_reason": finish}],
    }
    assert from_hub(hub, "m")["done_reason"] == done_reason


def test_from_hub_defaults() -> None:
    body = from_hub({}, "llama3.2")
    check_response(body)
    assert body["model"] == "llama3.2"
    assert (body["prompt_eval_count"], body["eval_count"]) == (0, 0)


def test_content_parts_are_joined() -> None:
    hub: ChatResponse = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
                }
            }
        ]
    }
    assert from_hub(hub, "m")["message"]["content"] == "ab"


def test_tool_call_arguments_that_are_not_an_object_fail_loudly() -> None:
    hub: ChatResponse = {
        "choices": [
            {
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"cut": "of'}}
                    ],
                },
                "finish_reason": "length",
            }
        ]
    }
    with pytest.raises(UpstreamError, match="not valid JSON"):
        from_hub(hub, "m")


def test_malformed_ollama_tool_call_fails_loudly() -> None:
    body = {
        "model": "m",
        "created_at": "2025-11-20T14:03:01Z",
        "done": True,
        "done_reason": "stop",
        "message": {"role": "assistant", "content": "", "tool_calls": [{"function": {"arguments": {}}}]},
    }
    with pytest.raises(UpstreamError, match=r"function\.name"):
        to_hub(body)


@pytest.mark.parametrize(
    ("created_at", "created"),
    [
        ("2025-11-20T14:03:01.482915Z", 1763647381),
        ("2025-11-20T14:03:00.170489843Z", 1763647380),
        ("2025-11-20T15:03:01+01:00", 1763647381),
        ("2025-11-20T14:03:01", 1763647381),
        ("yesterday", 0),
        (None, 0),
    ],
)
def test_created_at(created_at: Any, created: int) -> None:
    assert to_hub({"created_at": created_at, "message": {"role": "assistant", "content": ""}})["created"] == created
