"""translate/anthropic/response.py: Anthropic `Message` bodies to the hub and back (checked with the
SDK's `Message` model), the written list of what a round trip loses, and other formats' answers
written as Anthropic messages."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from anthropic.types import Message

from omniroute_agent.errors import UpstreamError
from omniroute_agent.translate.anthropic import response
from omniroute_agent.translate.hub import ChatResponse
from omniroute_agent.translate.openai_chat import response as oa_response

from ..streams import load
from .helpers import ANTHROPIC, OPENAI, PARIS_ARGS, TOKYO_ARGS, call

RESPONSES = sorted(p.name for p in ANTHROPIC.glob("*.response.json"))
REDACTED_SIGNATURE = (
    "itAFazfVkz2lS4i6YcxCijC3YmGmJchpnXgeL9agf4KjbXmFn6V4y+5BZSSklot5NrjBx7Sq4cGmHvc2v1UZb/m5MN9NMtADKof3uy9WQwui"
    "abTFC56fH6PmOZVURdxAEo8HRC4tBmcUuli7v6T+tjFUPrKPjNIKtS7qC4F18Ex2KJlNWg5HehWyYzlVvrogZvfbemfadJUU7SZZzFgNjH/A4"
    "qsKAiRokrjxNywKUmsu++pyEZ5UlfaYhjEBlJEhj3LzVBK4VCw="
)
REDACTED_DATA = (
    "EoWuQQUNP0p2aacfVqi8afUPGd+VX3XqxTUBmeyGzRfbk5xgGUieOdKmOHXuO97q4pAgbNHhjL9zeMfk8iD9LM5KPTnn+SOprLl8IITnOqaFG"
    "KcSkDdEtAmEN4l59tue84jMGiSm/3FMBz/svYbdCV4KkScRYIWiBXvr726q2J8MdaYLBvBFsbramygTlNXyD52NKK5lEFFb9JKKVmJPO+C9jQS6"
    "n9NIJqUqeOaUG2l7MGLhN9p5DlUQh/Z3pHdNV/yhHGfFpNbLWNZosJr9PpEn+heONi7P3JCa4gSuDTI01beA1drykudNSzVOUA17XPwR8gecP+"
    "Jq2TX/0n4W13sEcH8Ql+ys//LNxJjc4Edf8/itc3sX8lXw2A/IOJA4+78Lp7ciIXMwruClnk"
)
NINE = "9.8 is larger than 9.11, because 0.8 (eight tenths) is greater than 0.11 (eleven hundredths)."


def usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


# The hub form of each fixture, without `created` (the time of translation).
EXPECTED_HUB: dict[str, dict[str, Any]] = {
    "text": {
        "id": "msg_019dwtq5H8YqVXiRsE7Y2zvR",
        "object": "chat.completion",
        "model": "claude-sonnet-4-5-20250929",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "The capital of France is Paris."},
                "finish_reason": "stop",
            }
        ],
        "usage": usage(21, 10),
        "stop_reason": "end_turn",
    },
    "tools": {
        "id": "msg_01d3UXd1EWuYuJitB3aYM5Gp",
        "object": "chat.completion",
        "model": "claude-sonnet-4-5-20250929",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "I'll check the current weather in both cities.",
                    "tool_calls": [
                        call("toolu_01VxcwrWVZweDCtZXhgsC7VL", PARIS_ARGS),
                        call("toolu_01XJjajPAR1QXJitWmxfFc1j", TOKYO_ARGS),
                    ],
                },
                "finish_reason": "tool_calls",
            }
        ],
        "usage": usage(412, 121),
        "stop_reason": "tool_use",
    },
    "thinking-redacted": {
        "id": "msg_01Weya3GKjhjE9qPJypVu2az",
        "object": "chat.completion",
        "model": "claude-3-7-sonnet-20250219",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": NINE,
                    "reasoning": [
                        {
                            "type": "thinking",
                            "text": "Let me work through this carefully.",
                            "signature": REDACTED_SIGNATURE,
                            "format": "anthropic",
                        },
                        {"type": "redacted", "data": REDACTED_DATA, "format": "anthropic"},
                    ],
                    "reasoning_content": "Let me work through this carefully.",
                },
                "finish_reason": "stop",
            }
        ],
        "usage": usage(46, 188),
        "stop_reason": "end_turn",
    },
    "params": {
        "id": "msg_01LKdAHFtXWyNz3sx6jwCAR3",
        "object": "chat.completion",
        "model": "claude-sonnet-4-5-20250929",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "1. Mercury\n2. Venus\n3. Earth\n"},
                "finish_reason": "stop",
            }
        ],
        "usage": usage(29, 14),
        "stop_reason": "stop_sequence",
    },
    "max-tokens": {
        "id": "msg_01YCcEtMKMtm2YPP5SWNBNh1",
        "object": "chat.completion",
        "model": "claude-sonnet-4-5-20250929",
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
        "usage": usage(24, 16),
        "stop_reason": "max_tokens",
    },
}


@pytest.mark.parametrize("name", EXPECTED_HUB)
def test_to_hub(name: str) -> None:
    hub = response.to_hub(load(ANTHROPIC / f"{name}.response.json"))
    assert isinstance(hub.pop("created"), int)
    assert hub == EXPECTED_HUB[name]


# What `from_hub(to_hub(x))` does not give back: (path, reason). Ids are kept, nothing is regenerated.
LOST_BY_EVERY_RESPONSE = [
    ("usage.cache_creation", "the hub has no per-TTL breakdown of cache writes"),
    ("usage.service_tier", "the hub has no service tier"),
]
KNOWN_LOSSES: dict[str, list[tuple[str, str]]] = {
    "params.response.json": [("stop_sequence", "the hub does not keep which stop sequence matched")],
}


def drop(body: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    for key in parents:
        body = body.get(key, {})
    body.pop(last, None)


@pytest.mark.parametrize("name", RESPONSES)
def test_round_trip(name: str) -> None:
    body = load(ANTHROPIC / name)
    back = response.from_hub(response.to_hub(copy.deepcopy(body)), "ignored")
    Message.model_validate(back)
    for path, _reason in LOST_BY_EVERY_RESPONSE + KNOWN_LOSSES.get(name, []):
        drop(body, path)
        drop(back, path)
    assert back == body


def from_openai(name: str) -> Message:
    out = response.from_hub(oa_response.to_hub(load(OPENAI / f"{name}.response.json")), "claude-x")
    return Message.model_validate(out)


def test_openai_text_as_message() -> None:
    message = from_openai("text")
    assert message.id.startswith("msg_")
    assert [b.type for b in message.content] == ["text"]
    assert (message.stop_reason, message.stop_sequence) == ("end_turn", None)
    assert message.model == "gpt-4.1-mini-2025-04-14"


def test_openai_tools_as_message() -> None:
    message = from_openai("tools")
    uses = [b for b in message.content if b.type == "tool_use"]
    assert [(u.id, u.name, u.input) for u in uses] == [
        ("call_c3j27xdcg2lMLzgeonyLGcTJ", "get_weather", {"location": "Paris, France", "unit": "celsius"}),
        ("call_eRqhqWJYAXeRpzds3mOjAqnJ", "get_weather", {"location": "Tokyo, Japan", "unit": "celsius"}),
    ]
    assert message.stop_reason == "tool_use"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (96, 54)


def test_openai_max_tokens_as_message() -> None:
    assert from_openai("max-tokens").stop_reason == "max_tokens"


@pytest.mark.parametrize("name", ["reasoning-deepseek", "reasoning-think-tags"])
def test_foreign_reasoning_is_an_unsigned_thinking_block(name: str) -> None:
    message = from_openai(name)
    assert [b.type for b in message.content] == ["thinking", "text"]
    thinking = message.content[0]
    assert thinking.type == "thinking"
    assert thinking.thinking
    assert thinking.signature == ""


def test_cached_tokens_both_ways() -> None:
    body = load(ANTHROPIC / "text.response.json")
    body["usage"].update(
        {
            "input_tokens": 5,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 20,
            "output_tokens_details": {"thinking_tokens": 3},
        }
    )
    hub = response.to_hub(body)
    assert hub["usage"] == {
        "prompt_tokens": 125,
        "completion_tokens": 10,
        "total_tokens": 135,
        "prompt_tokens_details": {"cached_tokens": 100, "cache_creation_tokens": 20},
        "completion_tokens_details": {"reasoning_tokens": 3},
    }
    back = response.from_hub(hub, "m")["usage"]
    assert back == {
        "input_tokens": 5,
        "output_tokens": 10,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 20,
    }


@pytest.mark.parametrize(
    ("finish", "kept", "tools", "expected"),
    [
        ("stop", None, False, "end_turn"),
        ("stop", "stop_sequence", False, "stop_sequence"),
        ("stop", "pause_turn", False, "pause_turn"),
        ("stop", "STOP", False, "end_turn"),  # a Gemini reason is not replayed
        ("stop", None, True, "tool_use"),  # Gemini stops with STOP after function calls
        ("length", None, False, "max_tokens"),
        ("length", "model_context_window_exceeded", False, "model_context_window_exceeded"),
        ("tool_calls", None, True, "tool_use"),
        ("content_filter", None, False, "refusal"),
        ("length", "end_turn", False, "max_tokens"),  # a kept reason that disagrees loses
    ],
)
def test_stop_reason(finish: str, kept: str | None, tools: bool, expected: str) -> None:
    message: dict[str, Any] = {"role": "assistant", "content": "x"}
    if tools:
        message["tool_calls"] = [call("toolu_1", "{}")]
    hub: ChatResponse = {"id": "r", "choices": [{"index": 0, "message": message, "finish_reason": finish}]}  # type: ignore[typeddict-item]
    if kept:
        hub["stop_reason"] = kept
    out = response.from_hub(hub, "m")
    Message.model_validate(out)
    assert out["stop_reason"] == expected


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("pause_turn", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
    ],
)
def test_finish_reason(stop: str, finish: str) -> None:
    body = {**load(ANTHROPIC / "text.response.json"), "stop_reason": stop}
    hub = response.to_hub(body)
    assert (hub["choices"][0]["finish_reason"], hub["stop_reason"]) == (finish, stop)


def test_tool_arguments_that_are_not_an_object_are_an_upstream_error() -> None:
    hub: ChatResponse = {
        "choices": [
            {
                "message": {"role": "assistant", "tool_calls": [call("c", "[1, 2")]},  # type: ignore[list-item]
                "finish_reason": "tool_calls",
            }
        ]
    }
    with pytest.raises(UpstreamError, match="not a JSON object"):
        response.from_hub(hub, "m")


def test_empty_hub_response_is_a_valid_message() -> None:
    out = response.from_hub({}, "claude-x")
    Message.model_validate(out)
    assert (out["model"], out["content"], out["stop_reason"]) == ("claude-x", [], "end_turn")
    assert json.dumps(out)  # plain JSON
