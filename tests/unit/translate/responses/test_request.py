"""translate/responses/request.py: Responses request bodies to the hub and back, the OpenAI Chat
fixtures of the same scenarios sent to a Responses target, and what is refused loudly."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatRequest
from omniroute_agent.translate.openai_chat import request as chat_request
from omniroute_agent.translate.responses.request import from_hub, to_hub

from ..streams import load
from .support import CHAT, RESPONSES, strict_sdk_params

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location", "unit"],
    "additionalProperties": False,
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a location.",
        "parameters": WEATHER_SCHEMA,
        "strict": True,
    },
}
EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "date": {"type": "string"},
        "participants": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "date", "participants"],
    "additionalProperties": False,
}
SYSTEM = {"role": "system", "content": "You are a concise assistant. Keep answers short."}
WEATHER_QUESTION = {"role": "user", "content": "What's the weather like in Paris and in Tokyo right now?"}
PARIS, TOKYO = "call_08N68UfMZanzKoMsajOLqda0", "call_e1qlnTsd5awqKXOhdBYm9Pud"
PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAHUlEQVR42mO4YGAARP/BAJnNgFMCUwjCxi1"
    "BBzsASlSFoTRYE6kAAAAASUVORK5CYII="
)

EXPECTED_HUB: dict[str, dict[str, Any]] = {
    "text": {
        "model": "gpt-4.1-mini",
        "messages": [
            SYSTEM,
            {"role": "user", "content": "What is the capital of France? Answer in one sentence."},
        ],
    },
    "tools": {
        "model": "gpt-4.1-mini",
        "messages": [WEATHER_QUESTION],
        "tools": [WEATHER_TOOL],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
    },
    "tools.followup": {
        "model": "gpt-4.1-mini",
        "messages": [
            WEATHER_QUESTION,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": PARIS,
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"location":"Paris, France","unit":"celsius"}',
                        },
                        "item_id": "fc_080fb7d02949f99dac6ec91b578fe58d86601e5194405f23",
                    },
                    {
                        "id": TOKYO,
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"location":"Tokyo, Japan","unit":"celsius"}',
                        },
                        "item_id": "fc_73a71492ba32ec39bde7f7a93248b56fa2439a16d28a2676",
                    },
                ],
            },
            {
                "role": "tool",
                "tool_call_id": PARIS,
                "content": '{"location": "Paris, France", "temperature": 18, "unit": "celsius", '
                '"conditions": "partly cloudy"}',
            },
            {
                "role": "tool",
                "tool_call_id": TOKYO,
                "content": '{"location": "Tokyo, Japan", "temperature": 22, "unit": "celsius", "conditions": "clear"}',
            },
        ],
        "tools": [WEATHER_TOOL],
    },
    "image": {
        "model": "gpt-4.1-mini",
        "messages": [
            SYSTEM,
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image? Reply in one short sentence."},
                    {"type": "image_url", "image_url": {"url": PNG, "detail": "low"}},
                ],
            },
        ],
    },
    "params": {
        "model": "gpt-4.1-mini",
        "messages": [
            {"role": "developer", "content": "Answer in full sentences."},
            {"role": "user", "content": "Name every planet of the solar system in order from the Sun."},
        ],
        "temperature": 0.2,
        "top_p": 0.9,
        "max_tokens": 16,
        "store": False,
        "user": "user-1234",
    },
    "structured": {
        "model": "gpt-4.1-mini",
        "messages": [
            {"role": "developer", "content": "Extract the event information."},
            {
                "role": "user",
                "content": "Extract the event: Alice and Bob are going to a science fair on Friday.",
            },
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "calendar_event", "schema": EVENT_SCHEMA, "strict": True},
        },
    },
    "reasoning": {
        "model": "gpt-5-mini",
        "messages": [{"role": "user", "content": "Which number is larger, 9.11 or 9.8?"}],
        "reasoning_effort": "low",
        "store": False,
    },
}
EXPECTED_HUB["tools.stream"] = {**EXPECTED_HUB["tools"], "stream": True}
EXPECTED_HUB["text.stream"] = {**EXPECTED_HUB["text"], "stream": True}
EXPECTED_HUB["reasoning.stream"] = {**EXPECTED_HUB["reasoning"], "stream": True}

REQUEST_FIXTURES = sorted(p.name.removesuffix(".request.json") for p in RESPONSES.glob("*.request.json"))


@dataclass(frozen=True)
class Loss:
    """Something that does not survive Responses → hub → Responses, and why. `normalize` maps both
    sides to a common form; without it the value at `path` is left out of the comparison."""

    path: str  # dotted, into the request body
    reason: str
    normalize: Callable[[Any], Any] | None = None


def _lone_user_text(value: Any) -> Any:
    lone = isinstance(value, list) and len(value) == 1 and set(value[0]) == {"role", "content"}
    if lone and value[0]["role"] == "user" and isinstance(value[0]["content"], str):
        return value[0]["content"]
    return value


SUMMARY = Loss("reasoning.summary", "the hub has no reasoning-summary setting; summaries are not asked for")
LONE_USER = Loss("input", "one user text message comes back in the equivalent short form, a string", _lone_user_text)
STORE = Loss("store", "written out as false when the hub does not ask for storage (Chat's default)")
KNOWN_LOSSES: dict[str, list[Loss]] = {
    "reasoning": [SUMMARY],
    "reasoning.stream": [SUMMARY],
    "tools": [LONE_USER, STORE],
    "tools.stream": [LONE_USER, STORE],
    "text": [STORE],
    "text.stream": [STORE],
    "tools.followup": [STORE],
    "image": [STORE],
    "structured": [STORE],
}


@pytest.fixture(scope="module")
def sdk_check() -> Iterator[Callable[[dict[str, Any]], None]]:
    with strict_sdk_params() as check:
        yield check


def fixture(name: str) -> dict[str, Any]:
    body: dict[str, Any] = load(RESPONSES / f"{name}.request.json")
    return body


def apply(body: dict[str, Any], loss: Loss) -> None:
    *parents, last = loss.path.split(".")
    for key in parents:
        body = body.get(key) or {}
    if last not in body:
        return
    if loss.normalize is None:
        del body[last]
    else:
        body[last] = loss.normalize(body[last])


def test_every_request_fixture_has_an_expected_hub_form() -> None:
    assert sorted(EXPECTED_HUB) == REQUEST_FIXTURES


@pytest.mark.parametrize("name", sorted(EXPECTED_HUB))
def test_to_hub(name: str) -> None:
    assert to_hub(fixture(name)) == EXPECTED_HUB[name]


@pytest.mark.parametrize("name", REQUEST_FIXTURES)
def test_round_trip(name: str, sdk_check: Callable[[dict[str, Any]], None]) -> None:
    body = fixture(name)
    back = from_hub(to_hub(copy.deepcopy(body)), body["model"])
    sdk_check(back)
    for loss in KNOWN_LOSSES.get(name, []):
        apply(body, loss)
        apply(back, loss)
    assert back == body


def test_to_hub_does_not_change_its_input() -> None:
    body = fixture("tools.followup")
    before = json.dumps(body)
    to_hub(body)
    assert json.dumps(body) == before


# ---- the OpenAI Chat fixtures of the same scenarios, sent to a Responses target ---------------


def chat_to_responses(name: str, **changes: Any) -> dict[str, Any]:
    chat = load(CHAT / f"{name}.request.json") | changes
    hub = chat_request.to_hub({k: v for k, v in chat.items() if v is not None})
    return from_hub(hub, "gpt-4.1-mini")


def test_cross_text_puts_the_system_prompt_in_instructions(
    sdk_check: Callable[[dict[str, Any]], None],
) -> None:
    body = chat_to_responses("text")
    sdk_check(body)
    chat = load(CHAT / "text.request.json")
    assert body["instructions"] == chat["messages"][0]["content"]
    assert body["input"] == chat["messages"][1]["content"]


def test_cross_tools_are_flat_and_keep_strict(sdk_check: Callable[[dict[str, Any]], None]) -> None:
    body = chat_to_responses("tools")
    sdk_check(body)
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Get the current weather for a location.",
            "parameters": WEATHER_SCHEMA,
            "strict": True,
        }
    ]
    assert body["tool_choice"] == "auto"
    assert body["parallel_tool_calls"] is True


def test_cross_tool_results_become_function_call_outputs(sdk_check: Callable[[dict[str, Any]], None]) -> None:
    body = chat_to_responses("tools.followup")
    sdk_check(body)
    kinds = [item.get("type", "message") for item in body["input"]]
    assert kinds == [
        "message",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]
    calls, results = body["input"][1:3], body["input"][3:]
    assert [c["call_id"] for c in calls] == ["call_c3j27xdcg2lMLzgeonyLGcTJ", "call_eRqhqWJYAXeRpzds3mOjAqnJ"]
    assert all(c["id"].startswith("fc_") and c["name"] == "get_weather" for c in calls)
    assert [r["call_id"] for r in results] == [c["call_id"] for c in calls]
    assert json.loads(results[0]["output"])["temperature"] == 18


def test_cross_image_becomes_input_image(sdk_check: Callable[[dict[str, Any]], None]) -> None:
    body = chat_to_responses("image")
    sdk_check(body)
    parts = body["input"][0]["content"]
    assert parts[0]["type"] == "input_text"
    assert parts[1] == {"type": "input_image", "image_url": PNG, "detail": "low"}
    assert body["max_output_tokens"] == load(CHAT / "image.request.json")["max_completion_tokens"]


def test_cross_params_stop_sequences_are_refused() -> None:
    with pytest.raises(InvalidRequest, match="'stop'"):
        chat_to_responses("params")


def test_cross_params_without_stop(sdk_check: Callable[[dict[str, Any]], None]) -> None:
    body = chat_to_responses("params", stop=None)
    sdk_check(body)
    assert "instructions" not in body
    assert body["input"][0] == {
        "role": "developer",
        "content": "Answer with a numbered list. Stop after the third item.",
    }
    assert (body["max_output_tokens"], body["temperature"], body["top_p"], body["user"]) == (
        16,
        0.2,
        0.9,
        "user-1234",
    )
    assert "seed" not in body  # a sampling hint the Responses API has no knob for
    assert body["store"] is False  # Chat does not store unless asked; Responses does


def test_cross_structured_output_is_flat(sdk_check: Callable[[dict[str, Any]], None]) -> None:
    body = chat_to_responses("structured")
    sdk_check(body)
    assert body["text"] == {
        "format": {"type": "json_schema", "name": "calendar_event", "strict": True, "schema": EVENT_SCHEMA}
    }
    assert body["max_output_tokens"] == 200


def test_cross_streaming_request(sdk_check: Callable[[dict[str, Any]], None]) -> None:
    body = chat_to_responses("tools.stream")
    sdk_check(body)
    assert body["stream"] is True
    assert "stream_options" not in body  # Responses always reports usage in response.completed


# ---- reasoning replay ------------------------------------------------------------------------

REASONING_FOLLOWUP: dict[str, Any] = {
    "model": "gpt-5-mini",
    "input": [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [{"type": "summary_text", "text": "Need the weather tool."}],
            "encrypted_content": "gAAAA-opaque",
        },
        {
            "id": "fc_1",
            "type": "function_call",
            "status": "completed",
            "arguments": '{"location":"Paris"}',
            "call_id": "call_1",
            "name": "get_weather",
        },
        {"type": "function_call_output", "call_id": "call_1", "output": "18 C"},
    ],
    "reasoning": {"effort": "low"},
    "include": ["reasoning.encrypted_content"],
    "store": False,
}


def test_reasoning_items_become_blocks_on_the_next_assistant_turn() -> None:
    hub = to_hub(copy.deepcopy(REASONING_FOLLOWUP))
    assistant = hub["messages"][1]
    assert assistant["reasoning"] == [
        {
            "type": "thinking",
            "text": "Need the weather tool.",
            "data": "gAAAA-opaque",
            "id": "rs_1",
            "format": "responses",
        }
    ]
    assert assistant["tool_calls"][0]["id"] == "call_1"
    assert assistant["tool_calls"][0]["item_id"] == "fc_1"


def test_reasoning_replay_round_trip(sdk_check: Callable[[dict[str, Any]], None]) -> None:
    back = from_hub(to_hub(copy.deepcopy(REASONING_FOLLOWUP)), "gpt-5-mini")
    sdk_check(back)
    assert back == REASONING_FOLLOWUP


def test_only_this_formats_encrypted_reasoning_is_replayed() -> None:
    request: ChatRequest = {
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": "hello",
                "reasoning_content": "thinking about it",
                "reasoning": [
                    {"type": "thinking", "text": "thinking", "signature": "sig", "format": "anthropic"},
                    {"type": "thinking", "text": "summary only", "id": "rs_stored", "format": "responses"},
                    {"type": "redacted", "data": "enc", "id": "rs_2", "format": "responses"},
                ],
            },
            {"role": "user", "content": "and?"},
        ]
    }
    body = from_hub(request, "gpt-5-mini")
    assert body["input"][1] == {"type": "reasoning", "id": "rs_2", "summary": [], "encrypted_content": "enc"}
    assert body["input"][2] == {"role": "assistant", "content": "hello"}
    assert body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]


def test_function_calls_merge_with_the_assistant_message_before_them() -> None:
    body = {
        "model": "m",
        "input": [
            {"role": "user", "content": "Weather?"},
            {"role": "assistant", "content": "Let me check."},
            {
                "id": "fc_a",
                "type": "function_call",
                "status": "completed",
                "arguments": "{}",
                "call_id": "c1",
                "name": "f",
            },
            {
                "id": "fc_b",
                "type": "function_call",
                "status": "completed",
                "arguments": "{}",
                "call_id": "c2",
                "name": "f",
            },
            {"type": "function_call_output", "call_id": "c1", "output": "1"},
            {"type": "function_call_output", "call_id": "c2", "output": "2"},
        ],
    }
    hub = to_hub(copy.deepcopy(body))
    assert [m["role"] for m in hub["messages"]] == ["user", "assistant", "tool", "tool"]
    assert hub["messages"][1]["content"] == "Let me check."
    assert [c["id"] for c in hub["messages"][1]["tool_calls"]] == ["c1", "c2"]
    assert from_hub(hub, "m") == {**body, "store": False}


# ---- parameters ------------------------------------------------------------------------------


def test_tool_without_strict_is_strict_in_responses_and_not_in_chat() -> None:
    hub = to_hub({"model": "m", "input": "x", "tools": [{"type": "function", "name": "f", "parameters": {}}]})
    assert hub["tools"][0]["function"]["strict"] is True
    chat_tool = {"type": "function", "function": {"name": "f"}}
    body = from_hub({"messages": [{"role": "user", "content": "x"}], "tools": [chat_tool]}, "m")
    assert body["tools"] == [
        {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}, "strict": False}
    ]


@pytest.mark.parametrize(
    ("choice", "hub"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ({"type": "function", "name": "f"}, {"type": "function", "function": {"name": "f"}}),
    ],
)
def test_tool_choice(choice: Any, hub: Any) -> None:
    assert to_hub({"model": "m", "input": "x", "tool_choice": choice})["tool_choice"] == hub
    assert from_hub({"messages": [{"role": "user", "content": "x"}], "tool_choice": hub}, "m")["tool_choice"] == choice


@pytest.mark.parametrize(
    ("text", "hub"),
    [
        ({"format": {"type": "text"}}, {"response_format": {"type": "text"}}),
        ({"format": {"type": "json_object"}}, {"response_format": {"type": "json_object"}}),
        ({"verbosity": "low"}, {"verbosity": "low"}),
    ],
)
def test_text_settings(text: dict[str, Any], hub: dict[str, Any]) -> None:
    converted = to_hub({"model": "m", "input": "x", "text": text})
    assert {k: v for k, v in converted.items() if k in hub} == hub
    assert from_hub({"messages": [{"role": "user", "content": "x"}], **hub}, "m")["text"] == text  # type: ignore[typeddict-item]


@pytest.mark.parametrize(("budget", "effort"), [(0, "minimal"), (1024, "low"), (8192, "medium"), (32000, "high")])
def test_thinking_budget_becomes_an_effort(budget: int, effort: str) -> None:
    body = from_hub({"messages": [{"role": "user", "content": "x"}], "reasoning_budget": budget}, "m")
    assert body["reasoning"] == {"effort": effort}
    assert body["include"] == ["reasoning.encrypted_content"]  # not stored, so carried encrypted


def test_stored_responses_need_no_encrypted_reasoning() -> None:
    request: ChatRequest = {"messages": [{"role": "user", "content": "x"}], "reasoning_effort": "low"}
    body = from_hub({**request, "store": True}, "m")  # type: ignore[typeddict-unknown-key]
    assert body["store"] is True
    assert "include" not in body


def test_quirks() -> None:
    request: ChatRequest = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Use French."},
            {"role": "user", "content": "Hello"},
        ],
        "temperature": 0.3,
        "top_p": 0.5,
    }
    body = from_hub(request, "m", Quirks(developer_as_system=True, drop_sampling=True))
    assert body["instructions"] == "Be brief."
    assert body["input"] == [
        {"role": "system", "content": "Use French."},
        {"role": "user", "content": "Hello"},
    ]
    assert "temperature" not in body
    assert "top_p" not in body
    folded = from_hub(request, "m", Quirks(system_as_user=True))
    assert "instructions" not in folded
    assert folded["input"] == "Be brief.\n\nUse French.\n\nHello"


# ---- refused loudly --------------------------------------------------------------------------

TO_HUB_REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "previous_response_id": ({"previous_response_id": "resp_1"}, "stateless"),
    "conversation": ({"conversation": "conv_1"}, "stateless"),
    "built-in tool": ({"tools": [{"type": "web_search"}]}, "web_search"),
    "image file_id": (
        {"input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file-1", "detail": "auto"}]}]},
        "file_id",
    ),
    "item_reference": ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "item_reference"),
    "computer call": ({"input": [{"type": "computer_call", "id": "cu_1"}]}, "computer_call"),
    "unknown parameter": ({"frobnicate": 1}, "frobnicate"),
    "include value": ({"include": ["message.output_text.logprobs"]}, "message.output_text.logprobs"),
    "built-in tool_choice": ({"tool_choice": {"type": "web_search_preview"}}, "web_search_preview"),
    "truncation auto": ({"truncation": "auto"}, "truncation"),
    "prompt template": ({"prompt": {"id": "pmpt_1"}}, "prompt"),
    "role": ({"input": [{"role": "tool", "content": "x"}]}, "role 'tool'"),
}


@pytest.mark.parametrize(("extra", "match"), TO_HUB_REFUSED.values(), ids=TO_HUB_REFUSED.keys())
def test_to_hub_refuses(extra: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidRequest, match=match):
        to_hub({"model": "m", "input": "x", **extra})


CALL = {"id": "call_9", "type": "function", "function": {"name": "f", "arguments": "{}"}}
FROM_HUB_REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "missing tool result before the next user turn": (
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "content": None, "tool_calls": [CALL]},
                {"role": "user", "content": "y"},
            ]
        },
        "call_9",
    ),
    "missing tool result at the end": (
        {"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "tool_calls": [CALL]}]},
        "call_9",
    ),
    "result for an unknown call": (
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "tool", "tool_call_id": "call_0", "content": "1"},
            ]
        },
        "call_0",
    ),
    "stop": ({"messages": [{"role": "user", "content": "x"}], "stop": ["\n"]}, "'stop'"),
    "n": ({"messages": [{"role": "user", "content": "x"}], "n": 2}, "n > 1"),
    "penalty": (
        {"messages": [{"role": "user", "content": "x"}], "presence_penalty": 0.5},
        "presence_penalty",
    ),
    "audio input": (
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}],
                }
            ]
        },
        "input_audio",
    ),
    "custom tool": (
        {
            "messages": [{"role": "user", "content": "x"}],
            "tools": [{"type": "custom", "custom": {"name": "g"}}],
        },
        "custom",
    ),
    "image in an assistant turn": (
        {
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "content": [{"type": "image_url"}]},
            ]
        },
        "image_url",
    ),
}


@pytest.mark.parametrize(("request_", "match"), FROM_HUB_REFUSED.values(), ids=FROM_HUB_REFUSED.keys())
def test_from_hub_refuses(request_: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidRequest, match=match):
        from_hub(request_, "m")  # type: ignore[arg-type]
