"""translate/anthropic/request.py + messages.py + content.py, feature by feature: parameters, tool
choice, reasoning replay, turn merging, content parts, and what Anthropic cannot take (InvalidRequest)."""

from __future__ import annotations

from typing import Any

import pytest

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.anthropic import request
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatMessage, ChatRequest

from .helpers import WEATHER_TOOL, call, validate_request

USER: ChatMessage = {"role": "user", "content": "hi"}


def hub(**extra: Any) -> ChatRequest:
    return {"model": "m", "messages": [USER], **extra}  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("extra", "quirks", "expected"),
    [
        pytest.param({}, Quirks(), {"max_tokens": 4096}, id="default"),
        pytest.param({}, Quirks(max_tokens_default=1000), {"max_tokens": 1000}, id="quirk-default"),
        pytest.param({"max_completion_tokens": 77}, Quirks(), {"max_tokens": 77}, id="max-completion-tokens"),
        pytest.param(
            {"reasoning_budget": 8000},
            Quirks(),
            {"max_tokens": 12096, "thinking": {"type": "enabled", "budget_tokens": 8000}},
            id="default-above-budget",
        ),
        pytest.param(
            {"reasoning_budget": 100},
            Quirks(),
            {"max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 1024}},
            id="budget-at-least-1024",
        ),
        pytest.param(
            {"reasoning_budget": 0},
            Quirks(),
            {"max_tokens": 4096, "thinking": {"type": "disabled"}},
            id="budget-zero",
        ),
        pytest.param(
            {"reasoning_effort": "low"},
            Quirks(),
            {"max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 2048}},
            id="effort",
        ),
        pytest.param(
            {"reasoning_effort": "none"},
            Quirks(),
            {"max_tokens": 4096, "thinking": {"type": "disabled"}},
            id="effort-none",
        ),
        pytest.param(
            {"temperature": 1.7, "top_p": 0.5, "top_k": 5},
            Quirks(),
            {"max_tokens": 4096, "temperature": 1, "top_p": 0.5, "top_k": 5},
            id="temperature-clamped",
        ),
        pytest.param(
            {"temperature": 0.3, "top_p": 0.5},
            Quirks(drop_sampling=True),
            {"max_tokens": 4096},
            id="drop-sampling",
        ),
        pytest.param(
            {"stop": "END", "seed": 3},
            Quirks(),
            {"max_tokens": 4096, "stop_sequences": ["END"]},
            id="stop-string",
        ),
        pytest.param({"response_format": {"type": "text"}}, Quirks(), {"max_tokens": 4096}, id="text-format"),
    ],
)
def test_params_from_hub(extra: dict[str, Any], quirks: Quirks, expected: dict[str, Any]) -> None:
    body = request.from_hub(hub(**extra), "claude", quirks)
    assert {k: v for k, v in body.items() if k not in ("model", "messages")} == expected


TOOLS = [WEATHER_TOOL]


@pytest.mark.parametrize(
    ("hub_choice", "anthropic_choice"),
    [
        pytest.param({"tool_choice": "auto"}, {"type": "auto"}, id="auto"),
        pytest.param({"tool_choice": "required"}, {"type": "any"}, id="required"),
        pytest.param({"tool_choice": "none"}, {"type": "none"}, id="none"),
        pytest.param(
            {"tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
            {"type": "tool", "name": "get_weather"},
            id="named",
        ),
        pytest.param(
            {"tool_choice": "auto", "parallel_tool_calls": False},
            {"type": "auto", "disable_parallel_tool_use": True},
            id="not-parallel",
        ),
        pytest.param(
            {"tool_choice": "required", "parallel_tool_calls": False},
            {"type": "any", "disable_parallel_tool_use": True},
            id="required-not-parallel",
        ),
    ],
)
def test_tool_choice_both_ways(hub_choice: dict[str, Any], anthropic_choice: dict[str, Any]) -> None:
    body = request.from_hub(hub(tools=TOOLS, **hub_choice), "claude", Quirks())
    assert body["tool_choice"] == anthropic_choice
    back = request.to_hub(body)
    assert {k: back[k] for k in hub_choice} == hub_choice  # type: ignore[literal-required]


def test_tool_choice_without_tools_is_not_sent() -> None:
    assert "tool_choice" not in request.from_hub(hub(tool_choice="auto"), "claude", Quirks())


def messages_from(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    body = request.from_hub({"model": "m", "messages": messages}, "claude", Quirks())
    validate_request(body)
    return body["messages"]  # type: ignore[no-any-return]


THINKING = {"type": "thinking", "text": "hmm", "signature": "sig", "format": "anthropic"}


def test_reasoning_replayed_first_and_foreign_blocks_dropped() -> None:
    assistant: ChatMessage = {
        "role": "assistant",
        "content": "Let me look.",
        "reasoning_content": "hmm",
        "reasoning": [
            {"type": "thinking", "text": "gemini thought", "signature": "g-sig", "format": "gemini"},
            THINKING,  # type: ignore[list-item]
            {"type": "redacted", "data": "opaque", "format": "anthropic"},
            {"type": "redacted", "data": "enc", "id": "rs_1", "format": "openai-responses"},
            {"type": "thinking", "text": "unsigned", "format": "anthropic"},
        ],
        "tool_calls": [call("toolu_1", "{}")],  # type: ignore[list-item]
    }
    out = messages_from([USER, assistant, {"role": "tool", "tool_call_id": "toolu_1", "content": "ok"}])
    assert out[1]["content"] == [
        {"type": "thinking", "thinking": "hmm", "signature": "sig"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "text", "text": "Let me look."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}},
    ]


def test_deepseek_reasoning_content_alone_is_not_replayed() -> None:
    out = messages_from([USER, {"role": "assistant", "content": "4", "reasoning_content": "2+2"}, USER])
    assert out[1] == {"role": "assistant", "content": "4"}


def test_same_role_turns_are_merged() -> None:
    out = messages_from(
        [
            {"role": "system", "content": "a"},
            USER,
            {"role": "user", "content": [{"type": "text", "text": "again"}]},
            {"role": "assistant", "content": None, "tool_calls": [call("t1", "{}"), call("t2", "{}")]},  # type: ignore[list-item]
            {"role": "tool", "tool_call_id": "t1", "content": "one"},
            {"role": "tool", "tool_call_id": "t2", "content": [{"type": "text", "text": "two"}]},
            {"role": "user", "content": "and now?"},
        ]
    )
    assert [m["role"] for m in out] == ["user", "assistant", "user"]
    assert out[0]["content"] == [{"type": "text", "text": "hi"}, {"type": "text", "text": "again"}]
    assert out[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": "one"},
        {"type": "tool_result", "tool_use_id": "t2", "content": [{"type": "text", "text": "two"}]},
        {"type": "text", "text": "and now?"},
    ]


def test_system_messages_become_text_blocks_when_several() -> None:
    body = request.from_hub(
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": "one"},
                {"role": "developer", "content": [{"type": "text", "text": "two"}]},
                USER,
            ],
        },
        "claude",
        Quirks(),
    )
    assert body["system"] == [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]


@pytest.mark.parametrize(
    ("part", "block"),
    [
        pytest.param(
            {"type": "image_url", "image_url": {"url": "https://x.test/cat.png", "detail": "low"}},
            {"type": "image", "source": {"type": "url", "url": "https://x.test/cat.png"}},
            id="image-url",
        ),
        pytest.param(
            {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAAA"}},
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAAA"}},
            id="image-data",
        ),
        pytest.param(
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBE", "filename": "a.pdf"}},
            {
                "type": "document",
                "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBE"},
                "title": "a.pdf",
            },
            id="pdf",
        ),
    ],
)
def test_parts_both_ways(part: dict[str, Any], block: dict[str, Any]) -> None:
    out = messages_from([{"role": "user", "content": [part]}])
    assert out[0]["content"] == [block]
    back = request.to_hub({"messages": out})["messages"][0]["content"]
    assert back == [{**part, "image_url": {"url": part["image_url"]["url"]}} if "image_url" in part else part]


def test_tool_error_becomes_text() -> None:
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {}}]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "t", "content": "boom", "is_error": True},
                    {"type": "text", "text": "fix it"},
                ],
            },
        ],
    }
    messages = request.to_hub(body)["messages"]
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "t", "content": "Error: boom"},
        {"role": "user", "content": [{"type": "text", "text": "fix it"}]},
    ]


def test_anthropic_extras_to_hub() -> None:
    body = {
        "model": "m",
        "max_tokens": 9,
        "messages": [{"role": "user", "content": "x"}],
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "low"},
        "tool_choice": {"type": "any", "disable_parallel_tool_use": True},
    }
    hub_request = request.to_hub(body)
    assert hub_request["reasoning_effort"] == "low"
    assert (hub_request["tool_choice"], hub_request["parallel_tool_calls"]) == ("required", False)
    assert request.to_hub({**body, "thinking": {"type": "disabled"}})["reasoning_budget"] == 0


CALL = call("toolu_1", "{}")


@pytest.mark.parametrize(
    ("messages", "extra", "named"),
    [
        pytest.param(
            [
                {
                    "role": "user",
                    "content": [{"type": "input_audio", "input_audio": {"data": "", "format": "wav"}}],
                }
            ],
            {},
            "input_audio",
            id="audio",
        ),
        pytest.param(
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}]}],
            {},
            "image",
            id="ftp-image",
        ),
        pytest.param(
            [{"role": "user", "content": [{"type": "file", "file": {"file_id": "file-1"}}]}],
            {},
            "file",
            id="file-id",
        ),
        pytest.param(
            [
                {
                    "role": "user",
                    "content": [{"type": "file", "file": {"file_data": "data:text/csv;base64,AA"}}],
                }
            ],
            {},
            "text/csv",
            id="csv-file",
        ),
        pytest.param([USER, {"role": "assistant", "tool_calls": [CALL]}, USER], {}, "toolu_1", id="missing-result"),
        pytest.param([USER, {"role": "assistant", "tool_calls": [CALL]}], {}, "toolu_1", id="missing-result-at-end"),
        pytest.param(
            [USER, {"role": "tool", "tool_call_id": "call_9", "content": "x"}],
            {},
            "call_9",
            id="orphan-result",
        ),
        pytest.param(
            [
                USER,
                {"role": "assistant", "tool_calls": [call("toolu_2", "{not json")]},
                {"role": "tool", "tool_call_id": "toolu_2", "content": "x"},
            ],
            {},
            "toolu_2",
            id="bad-arguments",
        ),
        pytest.param([USER], {"response_format": {"type": "json_object"}}, "json_object", id="json-object"),
        pytest.param([USER], {"n": 2}, "'n'", id="n"),
        pytest.param([USER], {"tools": [{"type": "custom", "custom": {"name": "x"}}]}, "custom", id="custom-tool"),
        pytest.param(
            [USER],
            {"tools": TOOLS, "tool_choice": {"type": "allowed_tools"}},
            "allowed_tools",
            id="allowed-tools",
        ),
        pytest.param([{"role": "function", "content": "x"}], {}, "function", id="function-role"),
    ],
)
def test_from_hub_refuses(messages: list[ChatMessage], extra: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidRequest, match=named):
        request.from_hub({"model": "m", "messages": messages, **extra}, "claude", Quirks())  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        pytest.param(
            {"messages": [{"role": "user", "content": [{"type": "search_result", "source": "s"}]}]},
            "search_result",
            id="search-result-block",
        ),
        pytest.param(
            {"messages": [{"role": "assistant", "content": [{"type": "server_tool_use", "id": "s"}]}]},
            "server_tool_use",
            id="server-tool-use",
        ),
        pytest.param(
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "document", "source": {"type": "url", "url": "https://x/a.pdf"}}],
                    }
                ]
            },
            "url",
            id="document-url",
        ),
        pytest.param(
            {"messages": [], "tools": [{"type": "web_search_20250305", "name": "web_search"}]},
            "web_search_20250305",
            id="server-tool",
        ),
        pytest.param({"messages": [], "mcp_servers": []}, "mcp_servers", id="mcp-servers"),
        pytest.param({"messages": [], "thinking": {"type": "between_tools"}}, "between_tools", id="thinking-type"),
        pytest.param({"messages": [], "tool_choice": {"type": "some"}}, "some", id="tool-choice"),
        pytest.param({"messages": [{"role": "robot", "content": "x"}]}, "robot", id="role"),
        pytest.param({"messages": "hello"}, "messages", id="messages-not-list"),
        pytest.param({"messages": [], "system": [{"type": "image"}]}, "system", id="system-image"),
    ],
)
def test_to_hub_refuses(body: dict[str, Any], named: str) -> None:
    with pytest.raises(InvalidRequest, match=named):
        request.to_hub(body)
