"""translate/ollama/request.py in detail: image types, tool call ids, thinking, parameter mapping,
quirks, and what is refused (InvalidRequest naming it)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatRequest
from omniroute_agent.translate.ollama.request import from_hub, to_hub
from tests.unit.translate.ollama.helpers import PNG, WEATHER_TOOL


def b64(raw: bytes) -> str:
    return base64.b64encode(raw + b"\x00" * 16).decode()


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        pytest.param(PNG, "image/png", id="png"),
        pytest.param(b64(b"\xff\xd8\xff\xe0\x00\x10JFIF"), "image/jpeg", id="jpeg"),
        pytest.param(b64(b"GIF89a\x01\x00"), "image/gif", id="gif89a"),
        pytest.param(b64(b"GIF87a\x01\x00"), "image/gif", id="gif87a"),
        pytest.param(b64(b"RIFF\x24\x00\x00\x00WEBPVP8 "), "image/webp", id="webp"),
        pytest.param(b64(b"RIFF\x24\x00\x00\x00WAVEfmt "), "image/png", id="riff-not-webp"),
        pytest.param(b64(b"BM6\x00\x00\x00"), "image/png", id="unknown-defaults-to-png"),
        pytest.param("!!not base64!!", "image/png", id="garbage"),
    ],
)
def test_image_media_type_from_magic_bytes(data: str, media_type: str) -> None:
    hub = to_hub({"model": "m", "messages": [{"role": "user", "content": "", "images": [data]}]})
    assert hub["messages"][0]["content"] == [
        {"type": "image_url", "image_url": {"url": f"data:{media_type};base64,{data}"}}
    ]


def test_thinking_on_assistant_turn_round_trips() -> None:
    body = {
        "model": "qwen3:8b",
        "stream": False,
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "Hello!", "thinking": "Greet back."},
            {"role": "user", "content": "bye"},
        ],
    }
    hub = to_hub(body)
    assert hub["messages"][1] == {
        "role": "assistant",
        "content": "Hello!",
        "reasoning_content": "Greet back.",
        "reasoning": [{"type": "thinking", "text": "Greet back.", "format": "ollama"}],
    }
    assert from_hub(hub, "qwen3:8b") == body


def test_reasoning_from_another_format_is_sent_as_thinking_text() -> None:
    hub: ChatRequest = {
        "messages": [
            {
                "role": "assistant",
                "content": "x",
                "reasoning": [
                    {"type": "thinking", "text": "step", "signature": "sig", "format": "anthropic"},
                    {"type": "redacted", "data": "opaque", "format": "anthropic"},
                ],
            }
        ]
    }
    assert from_hub(hub, "m")["messages"] == [{"role": "assistant", "content": "x", "thinking": "step"}]


def test_tool_calls_without_ids_get_ids_and_results_are_matched_by_name() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"function": {"name": "get_weather", "arguments": {"location": "Paris"}}},
                    {"function": {"name": "get_time", "arguments": {}}},
                    {"function": {"name": "get_weather", "arguments": {"location": "Tokyo"}}},
                ],
            },
            {"role": "tool", "tool_name": "get_time", "content": "noon"},
            {"role": "tool", "tool_name": "get_weather", "content": "sunny"},
            {"role": "tool", "content": "rain"},
        ],
    }
    hub = to_hub(body)
    assistant = hub["messages"][1]
    assert assistant["content"] is None
    assert [c["id"] for c in assistant["tool_calls"]] == ["call_0", "call_1", "call_2"]
    assert [c["function"]["arguments"] for c in assistant["tool_calls"]] == [
        '{"location":"Paris"}',
        "{}",
        '{"location":"Tokyo"}',
    ]
    assert [m["tool_call_id"] for m in hub["messages"][2:]] == ["call_1", "call_0", "call_2"]
    back = from_hub(hub, "m")
    assert [(m["tool_call_id"], m["tool_name"]) for m in back["messages"][2:]] == [
        ("call_1", "get_time"),
        ("call_0", "get_weather"),
        ("call_2", "get_weather"),
    ]


@pytest.mark.parametrize(
    ("think", "effort", "back"),
    [
        (True, "medium", True),
        (False, "none", False),
        ("low", "low", "low"),
        ("medium", "medium", True),
        ("high", "high", "high"),
        ("max", "xhigh", "max"),
    ],
)
def test_think_and_reasoning_effort(think: bool | str, effort: str, back: bool | str) -> None:
    hub = to_hub({"model": "m", "messages": [], "think": think})
    assert hub["reasoning_effort"] == effort
    assert from_hub(hub, "m")["think"] == back


@pytest.mark.parametrize(
    ("hub_keys", "expected"),
    [
        pytest.param({"reasoning_effort": "minimal"}, {"think": "low"}, id="minimal"),
        pytest.param({"reasoning_budget": 2048}, {"think": True}, id="budget"),
        pytest.param({"reasoning_budget": 0}, {"think": False}, id="budget-zero"),
        pytest.param(
            {"max_tokens": 10, "max_completion_tokens": 20}, {"options": {"num_predict": 20}}, id="max-tokens"
        ),
        pytest.param({"stop": "END"}, {"options": {"stop": ["END"]}}, id="stop-string"),
        pytest.param({"response_format": {"type": "json_object"}}, {"format": "json"}, id="json-object"),
        pytest.param({"response_format": {"type": "text"}}, {}, id="text-format"),
        pytest.param({"stream": True, "stream_options": {"include_usage": True}}, {"stream": True}, id="stream"),
        pytest.param({"tools": [WEATHER_TOOL], "tool_choice": "none"}, {}, id="tool-choice-none"),
        pytest.param(
            {"tools": [WEATHER_TOOL], "tool_choice": "auto"}, {"tools": [WEATHER_TOOL]}, id="tool-choice-auto"
        ),
        pytest.param({"user": "u-1", "metadata": {"a": "b"}, "n": 1}, {}, id="metadata"),
    ],
)
def test_from_hub_parameters(hub_keys: dict[str, Any], expected: dict[str, Any]) -> None:
    request: ChatRequest = {"messages": [{"role": "user", "content": "q"}], **hub_keys}  # type: ignore[typeddict-item]
    body = from_hub(request, "m")
    assert body == {"model": "m", "messages": [{"role": "user", "content": "q"}], "stream": False, **expected}


def test_format_json_to_hub() -> None:
    assert to_hub({"model": "m", "messages": [], "format": "json"})["response_format"] == {"type": "json_object"}


def test_quirks() -> None:
    request: ChatRequest = {
        "messages": [{"role": "developer", "content": "Be brief."}, {"role": "user", "content": "q"}],
        "temperature": 0.5,
        "top_k": 3,
        "seed": 1,
    }
    body = from_hub(request, "m", Quirks(system_as_user=True, drop_sampling=True))
    assert body["messages"] == [{"role": "user", "content": "Be brief.\n\nq"}]
    assert body["options"] == {"seed": 1}


@pytest.mark.parametrize(
    ("hub", "needle"),
    [
        pytest.param(
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}],
                    }
                ]
            },
            "input_audio",
            id="audio-part",
        ),
        pytest.param(
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}],
                    }
                ]
            },
            "inline base64",
            id="image-url",
        ),
        pytest.param(
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "image_url", "image_url": {"url": "data:image/svg+xml,<svg/>"}}],
                    }
                ]
            },
            "not base64",
            id="data-url-not-base64",
        ),
        pytest.param(
            {
                "messages": [
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "f", "arguments": "{broken"},
                            }
                        ],
                    }
                ]
            },
            "not valid JSON",
            id="bad-arguments",
        ),
        pytest.param(
            {
                "messages": [
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "[1, 2]"}}
                        ],
                    }
                ]
            },
            "JSON object",
            id="array-arguments",
        ),
        pytest.param({"messages": [{"role": "function", "content": "x"}]}, "'function' role", id="function-role"),
        pytest.param({"messages": [], "n": 2}, "n must be 1", id="n"),
        pytest.param(
            {"messages": [], "tools": [WEATHER_TOOL], "tool_choice": "required"}, "tool_choice", id="required"
        ),
        pytest.param({"messages": [], "tools": [{"type": "web_search"}]}, "'web_search'", id="non-function-tool"),
        pytest.param({"messages": [], "reasoning_effort": "extreme"}, "'extreme'", id="effort"),
        pytest.param(
            {"messages": [], "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}},
            "schema",
            id="schema-missing",
        ),
    ],
)
def test_from_hub_refuses_what_ollama_cannot_express(hub: dict[str, Any], needle: str) -> None:
    with pytest.raises(InvalidRequest, match=needle):
        from_hub(hub, "m")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        pytest.param({"messages": "hi"}, "messages must be a list", id="messages"),
        pytest.param({"messages": [{"role": "robot", "content": "x"}]}, "role", id="role"),
        pytest.param({"messages": [{"role": "user", "content": 1}]}, "content must be a string", id="content"),
        pytest.param({"messages": [{"role": "user", "content": "", "images": [1]}]}, "images", id="images"),
        pytest.param(
            {"messages": [{"role": "user", "content": "x", "tool_calls": [{}]}]},
            "tool_calls",
            id="user-calls",
        ),
        pytest.param(
            {"messages": [{"role": "assistant", "tool_calls": [{"function": {"arguments": {}}}]}]},
            "function.name",
            id="call-without-name",
        ),
        pytest.param(
            {"messages": [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": 3}}]}]},
            "JSON object",
            id="arguments-number",
        ),
        pytest.param({"messages": [{"role": "tool", "content": "x"}]}, "answers no earlier tool call", id="orphan"),
        pytest.param({"messages": [], "think": "huge"}, "think", id="think"),
        pytest.param({"messages": [], "format": 42}, "format", id="format"),
        pytest.param({"messages": [], "options": [1]}, "options", id="options"),
    ],
)
def test_to_hub_refuses_malformed_bodies(body: dict[str, Any], needle: str) -> None:
    with pytest.raises(InvalidRequest, match=needle):
        to_hub(body)


@pytest.mark.parametrize(("stream", "expected"), [("absent", True), (None, True), (True, True), (False, False)])
def test_ollama_streams_unless_told_not_to(stream: object, expected: bool) -> None:
    body: dict[str, Any] = {"model": "m", "messages": []}
    if stream != "absent":
        body["stream"] = stream
    assert to_hub(body)["stream"] is expected
