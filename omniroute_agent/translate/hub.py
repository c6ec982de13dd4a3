"""The hub: OpenAI Chat Completions request, response, chunk and usage shapes as TypedDicts.

Every format is translated to and from these. Keys not named here are kept as they are
(`total=False` and no stripping), so a same-format passthrough never loses a field.

What OpenAI Chat cannot carry but a round trip needs is declared here as hub extension keys,
never smuggled: a codec that writes OpenAI Chat to a real provider drops them explicitly.

    ChatMessage.reasoning_content   the model's reasoning as plain text (DeepSeek style)
    ChatMessage.reasoning           the reasoning as blocks, with signatures / opaque data, so it
                                    can be replayed to the format that produced it
    ToolCall.signature              Gemini `thoughtSignature` of a function call (replayed next turn)
    ToolCall.item_id                Responses API `fc_...` item id of a function call
    ChatRequest.reasoning_budget    thinking token budget (Anthropic `budget_tokens`, Gemini
                                    `thinkingBudget`); `reasoning_effort` is OpenAI's own key
    ChatResponse.stop_reason        the provider's own stop reason, beside the mapped finish_reason
    ChunkDelta.reasoning_signature  ends the current reasoning block with its signature
    ChunkDelta.reasoning_redacted   one whole redacted (or encrypted) reasoning block
    ToolCallDelta.signature         as ToolCall.signature, in a stream

Finish reasons in the hub are OpenAI's: "stop", "length", "tool_calls", "content_filter".
Images travel as `image_url` content parts holding `data:` URLs (or plain URLs).
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]


class FunctionCall(TypedDict):
    name: str
    arguments: str  # JSON text, exactly as the model produced it


class ToolCall(TypedDict):
    id: str
    type: Literal["function"]
    function: FunctionCall
    signature: NotRequired[str]
    item_id: NotRequired[str]


class ReasoningBlock(TypedDict, total=False):
    """One unit of reasoning. `format` names the wire format that produced it; a codec replays
    signed or opaque blocks only to that format and drops them (keeping `text`) for others."""

    type: Literal["thinking", "redacted"]
    text: str  # thinking text, or a reasoning summary
    signature: str  # Anthropic thinking signature, Gemini thoughtSignature
    data: str  # Anthropic redacted_thinking data, Responses encrypted_content
    id: str  # Responses reasoning item id
    format: str


class ChatMessage(TypedDict, total=False):
    role: str  # system | developer | user | assistant | tool
    content: str | list[dict[str, Any]] | None
    name: str
    tool_calls: list[ToolCall]
    tool_call_id: str
    reasoning_content: str
    reasoning: list[ReasoningBlock]


class ChatRequest(TypedDict, total=False):
    model: str
    messages: list[ChatMessage]
    stream: bool
    stream_options: dict[str, Any]
    max_tokens: int
    max_completion_tokens: int
    temperature: float
    top_p: float
    top_k: int
    stop: str | list[str]
    seed: int
    tools: list[dict[str, Any]]
    tool_choice: str | dict[str, Any]
    parallel_tool_calls: bool
    response_format: dict[str, Any]
    reasoning_effort: str
    reasoning_budget: int
    user: str
    metadata: dict[str, Any]


class Usage(TypedDict):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: NotRequired[dict[str, Any]]  # cached_tokens
    completion_tokens_details: NotRequired[dict[str, Any]]  # reasoning_tokens


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
    stop_reason: str


class ToolCallFunctionDelta(TypedDict, total=False):
    name: str
    arguments: str


class ToolCallDelta(TypedDict, total=False):
    index: int
    id: str
    type: Literal["function"]
    function: ToolCallFunctionDelta
    signature: str


class ChunkDelta(TypedDict, total=False):
    role: str
    content: str | None
    reasoning_content: str
    reasoning_signature: str
    reasoning_redacted: str
    tool_calls: list[ToolCallDelta]


class ChunkChoice(TypedDict, total=False):
    index: int
    delta: ChunkDelta
    finish_reason: str | None


class Chunk(TypedDict, total=False):
    """An OpenAI `chat.completion.chunk`. A usage-only chunk has `choices: []`."""

    id: str
    object: str
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None


def empty_usage() -> Usage:
    return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}


def make_usage(prompt: int, completion: int, *, cached: int = 0, reasoning: int = 0) -> Usage:
    usage: Usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
    if cached:
        usage["prompt_tokens_details"] = {"cached_tokens": cached}
    if reasoning:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


def read_usage(raw: Any) -> Usage:
    """Usage from an OpenAI-shaped `usage` object; missing or malformed counts read as zero."""
    if not isinstance(raw, dict):
        return empty_usage()
    prompt = raw.get("prompt_tokens")
    completion = raw.get("completion_tokens")
    p = prompt if isinstance(prompt, int) else 0
    c = completion if isinstance(completion, int) else 0
    total = raw.get("total_tokens")
    usage: Usage = {
        "prompt_tokens": p,
        "completion_tokens": c,
        "total_tokens": total if isinstance(total, int) else p + c,
    }
    for key in ("prompt_tokens_details", "completion_tokens_details"):
        if isinstance(raw.get(key), dict):
            usage[key] = raw[key]
    return usage


def message_text(content: Any) -> str:
    """The text of a message's content: a string, or its text parts joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def response_text(response: ChatResponse) -> str:
    """The first choice's text content (parts joined), or an empty string."""
    choices = response.get("choices") or []
    if not choices:
        return ""
    return message_text(choices[0].get("message", {}).get("content"))
