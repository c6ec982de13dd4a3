"""translate/gemini/request.py in detail: parts, tool choice, thinking, quirks, ids, signatures, and
what is refused (InvalidRequest, naming the thing)."""

from __future__ import annotations

from typing import Any

import pytest

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.gemini import request
from omniroute_agent.translate.hub import ChatRequest

from .helpers import PNG, validate_request

USER = {"role": "user", "parts": [{"text": "hi"}]}


def _in(*contents: dict[str, Any], **extra: Any) -> ChatRequest:
    return request.to_hub({"contents": list(contents), **extra})


def _out(*messages: dict[str, Any], quirks: Quirks | None = None, **extra: Any) -> dict[str, Any]:
    hub: Any = {"messages": list(messages), **extra}
    body = request.from_hub(hub, "gemini-2.5-flash", quirks or Quirks())
    validate_request(body)
    return body


USER_PARTS_IN = {
    "inline audio": (
        {"inlineData": {"mimeType": "audio/mpeg", "data": "AAAA"}},
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "mp3"}},
    ),
    "inline pdf": (
        {"inline_data": {"mime_type": "application/pdf", "data": "JVBE", "display_name": "a.pdf"}},
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"}},
    ),
    "file uri": (
        {"fileData": {"fileUri": "https://example.com/cat.png", "mimeType": "image/png"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
    ),
}


@pytest.mark.parametrize(("part", "expected"), USER_PARTS_IN.values(), ids=USER_PARTS_IN.keys())
def test_user_parts_in(part: dict[str, Any], expected: dict[str, Any]) -> None:
    hub = _in({"role": "user", "parts": [{"text": "look"}, part]})
    assert hub["messages"] == [{"role": "user", "content": [{"type": "text", "text": "look"}, expected]}]


USER_PARTS_OUT = {
    "data url": (
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "low"}},
        {"inlineData": {"mimeType": "image/png", "data": PNG}},
    ),
    "http url": (
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg?x=1"}},
        {"fileData": {"fileUri": "https://example.com/cat.jpg?x=1", "mimeType": "image/jpeg"}},
    ),
    "audio": (
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
        {"inlineData": {"mimeType": "audio/wav", "data": "AAAA"}},
    ),
    "file data": (
        {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBE"}},
    ),
}


@pytest.mark.parametrize(("part", "expected"), USER_PARTS_OUT.values(), ids=USER_PARTS_OUT.keys())
def test_user_parts_out(part: dict[str, Any], expected: dict[str, Any]) -> None:
    body = _out({"role": "user", "content": [part]})
    assert body["contents"] == [{"role": "user", "parts": [expected]}]


TOOL_CHOICES = {
    "auto": ({"mode": "AUTO"}, "auto"),
    "any": ({"mode": "ANY"}, "required"),
    "none": ({"mode": "NONE"}, "none"),
    "one function": (
        {"mode": "ANY", "allowedFunctionNames": ["f"]},
        {"type": "function", "function": {"name": "f"}},
    ),
    "some functions": (
        {"mode": "ANY", "allowedFunctionNames": ["f", "g"]},
        {
            "type": "allowed_tools",
            "allowed_tools": {
                "mode": "required",
                "tools": [
                    {"type": "function", "function": {"name": "f"}},
                    {"type": "function", "function": {"name": "g"}},
                ],
            },
        },
    ),
    "some functions, calls optional": (
        {"mode": "VALIDATED", "allowedFunctionNames": ["g"]},
        {
            "type": "allowed_tools",
            "allowed_tools": {"mode": "auto", "tools": [{"type": "function", "function": {"name": "g"}}]},
        },
    ),
}


@pytest.mark.parametrize(("gemini", "hub"), TOOL_CHOICES.values(), ids=TOOL_CHOICES.keys())
def test_tool_choice_both_ways(gemini: dict[str, Any], hub: Any) -> None:
    tools = [{"functionDeclarations": [{"name": "f"}, {"name": "g"}]}]
    config = {"functionCallingConfig": gemini}
    converted = _in(USER, tools=tools, toolConfig=config)
    assert converted["tool_choice"] == hub
    assert request.from_hub(converted, "m")["toolConfig"] == config


THINKING = {
    # generationConfig.thinkingConfig in, hub keys, thinkingConfig out
    "budget": (
        {"thinkingBudget": 2048},
        {"reasoning_budget": 2048},
        {"thinkingBudget": 2048, "includeThoughts": True},
    ),
    "off": ({"thinkingBudget": 0}, {"reasoning_budget": 0}, {"thinkingBudget": 0}),
    "dynamic": (
        {"thinkingBudget": -1},
        {"reasoning_budget": -1},
        {"thinkingBudget": -1, "includeThoughts": True},
    ),
    "level": (
        {"thinkingLevel": "LOW"},
        {"reasoning_effort": "low"},
        {"thinkingBudget": 1024, "includeThoughts": True},
    ),
    "thoughts only": (
        {"includeThoughts": True},
        {"reasoning_effort": "medium"},
        {"thinkingBudget": -1, "includeThoughts": True},
    ),
}


@pytest.mark.parametrize(("config", "hub", "back"), THINKING.values(), ids=THINKING.keys())
def test_thinking(config: dict[str, Any], hub: dict[str, Any], back: dict[str, Any]) -> None:
    converted = _in(USER, generationConfig={"thinkingConfig": config})
    assert {k: v for k, v in converted.items() if k != "messages"} == hub
    assert request.from_hub(converted, "m")["generationConfig"] == {"thinkingConfig": back}


def test_effort_none_turns_thinking_off() -> None:
    body = _out({"role": "user", "content": "hi"}, reasoning_effort="none")
    assert body["generationConfig"] == {"thinkingConfig": {"thinkingBudget": 0}}


def test_quirks() -> None:
    messages = ({"role": "developer", "content": "be brief"}, {"role": "user", "content": "hi"})
    body = _out(*messages, quirks=Quirks(system_as_user=True, drop_sampling=True), temperature=0.5, top_k=3, seed=1)
    assert "systemInstruction" not in body
    assert body["contents"] == [{"role": "user", "parts": [{"text": "be brief"}, {"text": "hi"}]}]
    assert body["generationConfig"] == {"seed": 1}


def test_system_messages_anywhere_go_to_system_instruction_and_turns_merge() -> None:
    body = _out(
        {"role": "system", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "user", "content": "one"},
        {"role": "developer", "content": "c"},
        {"role": "user", "content": "two"},
    )
    assert body["systemInstruction"] == {"parts": [{"text": "a"}, {"text": "b"}, {"text": "c"}]}
    assert body["contents"] == [{"role": "user", "parts": [{"text": "one"}, {"text": "two"}]}]


def test_reasoning_replayed_only_to_gemini_with_signatures() -> None:
    assistant = {
        "role": "assistant",
        "content": "answer",
        "reasoning_content": "thinking",
        "reasoning": [
            {"type": "thinking", "text": "claude thinks", "signature": "c2ln", "format": "anthropic"},
            {"type": "thinking", "text": "gemini thinks", "signature": "Z2Vt", "format": "gemini"},
        ],
        "tool_calls": [
            {
                "id": "call_0",
                "type": "function",
                "function": {"name": "f", "arguments": ""},
                "signature": "c2ln",
            }
        ],
    }
    tool = {"role": "tool", "tool_call_id": "call_0", "content": "done"}
    body = _out({"role": "user", "content": "q"}, assistant, tool)
    assert body["contents"][1]["parts"] == [
        {"text": "gemini thinks", "thought": True},
        {"text": "answer", "thoughtSignature": "Z2Vt"},
        {"functionCall": {"name": "f", "args": {}}, "thoughtSignature": "c2ln"},
    ]
    assert body["contents"][2]["parts"] == [{"functionResponse": {"name": "f", "response": {"result": "done"}}}]


def test_model_turn_signatures_in() -> None:
    model = {
        "role": "model",
        "parts": [
            {"text": "a", "thought": True},
            {"text": "b", "thought": True, "thoughtSignature": "czE="},
            {"text": "c", "thought": True},
            {"text": "answer", "thoughtSignature": "czI="},
            {"functionCall": {"name": "f", "args": {"x": 1}, "id": "fc-7"}},
        ],
    }
    reply = {
        "role": "user",
        "parts": [{"functionResponse": {"name": "f", "id": "fc-7", "response": {"ok": True}}}],
    }
    hub = _in(USER, model, reply)
    assert hub["messages"][1] == {
        "role": "assistant",
        "content": "answer",
        "reasoning": [
            {"type": "thinking", "text": "ab", "signature": "czE=", "format": "gemini"},
            {"type": "thinking", "text": "c", "signature": "czI=", "format": "gemini"},
        ],
        "reasoning_content": "abc",
        "tool_calls": [{"id": "fc-7", "type": "function", "function": {"name": "f", "arguments": '{"x":1}'}}],
    }
    assert hub["messages"][2] == {"role": "tool", "tool_call_id": "fc-7", "content": '{"ok":true}'}
    back = request.from_hub(hub, "m")
    assert back["contents"][1]["parts"] == [
        {"text": "ab", "thought": True, "thoughtSignature": "czE="},
        {"text": "c", "thought": True},
        {"text": "answer", "thoughtSignature": "czI="},
        {"functionCall": {"name": "f", "args": {"x": 1}, "id": "fc-7"}},
    ]
    assert back["contents"][2]["parts"][0]["functionResponse"]["id"] == "fc-7"


def test_function_responses_match_calls_by_name_in_order() -> None:
    model = {"role": "model", "parts": [{"functionCall": {"name": "a"}}, {"functionCall": {"name": "b"}}]}
    replies = {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "b", "response": {}}},
            {"functionResponse": {"name": "a", "response": {}}},
            {"text": "thanks"},
        ],
    }
    hub = _in(USER, model, replies)
    assert [(m["role"], m.get("tool_call_id")) for m in hub["messages"]] == [
        ("user", None),
        ("assistant", None),
        ("tool", "call_1"),
        ("tool", "call_0"),
        ("user", None),
    ]


TO_HUB_REFUSED = {
    "cached content": ({"contents": [USER], "cachedContent": "cachedContents/x"}, "cachedContent"),
    "search tool": ({"contents": [USER], "tools": [{"googleSearch": {}}]}, "googleSearch"),
    "two candidates": ({"contents": [USER], "generationConfig": {"candidateCount": 2}}, "candidateCount"),
    "image output": ({"contents": [USER], "generationConfig": {"responseModalities": ["IMAGE"]}}, "IMAGE"),
    "unknown config": (
        {"contents": [USER], "generationConfig": {"speechConfig": {"voice": 1}}},
        "speechConfig",
    ),
    "enum mime": (
        {"contents": [USER], "generationConfig": {"responseMimeType": "text/x.enum"}},
        "text/x.enum",
    ),
    "video by uri": (
        {"contents": [{"role": "user", "parts": [{"fileData": {"fileUri": "gs://v", "mimeType": "video/mp4"}}]}]},
        "video/mp4",
    ),
    "code execution part": (
        {"contents": [USER, {"role": "model", "parts": [{"executableCode": {"code": "1"}}]}]},
        "executableCode",
    ),
    "orphan function response": (
        {"contents": [{"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {}}}]}]},
        "'f'",
    ),
    "system role": ({"contents": [{"role": "system", "parts": [{"text": "x"}]}]}, "system"),
    "no contents": ({"systemInstruction": {"parts": [{"text": "x"}]}}, "contents"),
}


@pytest.mark.parametrize(("body", "match"), TO_HUB_REFUSED.values(), ids=TO_HUB_REFUSED.keys())
def test_to_hub_refuses(body: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidRequest, match=match):
        request.to_hub(body)


Q = {"role": "user", "content": "q"}
FROM_HUB_REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "two choices": ({"messages": [Q], "n": 2}, "n above 1"),
    "plain data url": (
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,hi"}}]}]},
        "base64",
    ),
    "file id": (
        {"messages": [{"role": "user", "content": [{"type": "file", "file": {"file_id": "f"}}]}]},
        "file",
    ),
    "custom tool": ({"messages": [Q], "tools": [{"type": "custom", "custom": {"name": "x"}}]}, "custom"),
    "bad arguments": (
        {
            "messages": [
                Q,
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "[1]"}}],
                },
                {"role": "tool", "tool_call_id": "c", "content": "x"},
            ]
        },
        "JSON object",
    ),
    "image in system": (
        {
            "messages": [
                {
                    "role": "system",
                    "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}],
                }
            ]
        },
        "text parts only",
    ),
    "effort unknown": ({"messages": [Q], "reasoning_effort": "huge"}, "huge"),
    "format unknown": ({"messages": [Q], "response_format": {"type": "grammar"}}, "grammar"),
}


@pytest.mark.parametrize(("hub", "match"), FROM_HUB_REFUSED.values(), ids=FROM_HUB_REFUSED.keys())
def test_from_hub_refuses(hub: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidRequest, match=match):
        request.from_hub(hub, "m")  # type: ignore[arg-type]


def test_schema_conversion() -> None:
    decl = {
        "name": "f",
        "parameters": {
            "type": "OBJECT",
            "properties": {
                "b": {"type": "STRING", "nullable": True, "example": "x"},
                "a": {"type": "ARRAY", "items": {"type": "INTEGER"}, "max_items": "3"},
                "c": {"anyOf": [{"type": "NUMBER"}, {"type": "BOOLEAN"}]},
            },
            "propertyOrdering": ["a", "b"],
        },
    }
    hub = _in(USER, tools=[{"functionDeclarations": [decl]}])
    schema = hub["tools"][0]["function"]["parameters"]
    assert schema == {
        "type": "object",
        "properties": {
            "a": {"type": "array", "items": {"type": "integer"}, "maxItems": 3},
            "b": {"type": ["string", "null"], "examples": ["x"]},
            "c": {"anyOf": [{"type": "number"}, {"type": "boolean"}]},
        },
    }
    assert list(schema["properties"]) == ["a", "b", "c"]
