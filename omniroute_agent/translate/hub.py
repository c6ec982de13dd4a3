"""The hub: OpenAI Chat Completions request, response, chunk and usage shapes as TypedDicts.

Every format is translated to and from these. Keys not named here are kept as they are
(`total=False` and no stripping), so a same-format passthrough never loses a field.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict


class FunctionCall(TypedDict):
    name: str
    arguments: str


class ToolCall(TypedDict):
    id: str
    type: Literal["function"]
    function: FunctionCall


class ChatMessage(TypedDict, total=False):
    role: str
    content: str | list[dict[str, Any]] | None
    name: str
    tool_calls: list[ToolCall]
    tool_call_id: str
    reasoning_content: str


class ChatRequest(TypedDict, total=False):
    model: str
    messages: list[ChatMessage]
    stream: bool
    stream_options: dict[str, Any]
    max_tokens: int
    max_completion_tokens: int
    temperature: float
    top_p: float
    stop: str | list[str]
    tools: list[dict[str, Any]]
    tool_choice: str | dict[str, Any]
    response_format: dict[str, Any]


class Usage(TypedDict):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: NotRequired[dict[str, Any]]
    completion_tokens_details: NotRequired[dict[str, Any]]


class Choice(TypedDict, total=False):
    index: int
    message: ChatMessage
    finish_reason: str | None


class ChatResponse(TypedDict, total=False):
    id: str
    object: str
    created: int
    model: str
    choices: list[Choice]
    usage: Usage


def empty_usage() -> Usage:
    return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def read_usage(raw: Any) -> Usage:
    """Usage from an OpenAI-shaped `usage` object; missing or malformed counts read as zero."""
    if not isinstance(raw, dict):
        return empty_usage()
    prompt = raw.get("prompt_tokens")
    completion = raw.get("completion_tokens")
    p = prompt if isinstance(prompt, int) else 0
    c = completion if isinstance(completion, int) else 0
    total = raw.get("total_tokens")
    return {
        "prompt_tokens": p,
        "completion_tokens": c,
        "total_tokens": total if isinstance(total, int) else p + c,
    }


def response_text(response: ChatResponse) -> str:
    """The first choice's text content (parts joined), or an empty string."""
    choices = response.get("choices") or []
    if not choices:
        return ""
    content = choices[0].get("message", {}).get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""
