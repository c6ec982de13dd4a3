"""What the Gemini request, response and stream translators share: field spellings, ids of function
calls, model turns (parts ⇄ text, reasoning blocks and tool calls), finish reasons and usage.

Thought signatures. A thought part (`thought: true`) becomes reasoning text in a block of format
"gemini". A `thoughtSignature` on any part other than a function call ends the current block with
that signature (Gemini puts it on the answer part that follows the thoughts); on a function call it
is the call's `ToolCall.signature`. On the way out the last block's signature goes back on the
first answer part, earlier ones on their own thought part.

Function call ids. Gemini 2.x sends none, so one is made from the call's position: `call_<n>` in a
request, `call_<responseId>_<n>` in a response (unique across turns). Made ids are never written
back to Gemini; ids a client or another provider chose are (Gemini accepts `functionCall.id`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.hub import (
    ChatMessage,
    ReasoningBlock,
    ToolCall,
    Usage,
    make_usage,
    message_text,
)

FORMAT = "gemini"
Json = dict[str, Any]

_MADE_ID = re.compile(r"call_(?:[A-Za-z0-9_-]+_)?\d+")
_CONTENT_FILTER = frozenset(
    [
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
    ]
)
FINISH_REASONS = _CONTENT_FILTER | frozenset(
    [
        "STOP",
        "MAX_TOKENS",
        "LANGUAGE",
        "OTHER",
        "MALFORMED_FUNCTION_CALL",
        "IMAGE_OTHER",
        "NO_IMAGE",
        "UNEXPECTED_TOOL_CALL",
        "TOO_MANY_TOOL_CALLS",
        "MISSING_THOUGHT_SIGNATURE",
        "MALFORMED_RESPONSE",
    ]
)
_TO_GEMINI_FINISH = {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS", "content_filter": "SAFETY"}


@cache
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def get(obj: Any, name: str) -> Any:
    """`obj[name]` in Gemini's camelCase or the snake_case spelling the REST docs also use."""
    if not isinstance(obj, dict):
        return None
    value = obj.get(name)
    return value if value is not None else obj.get(_snake(name))


def has(obj: Json, name: str) -> bool:
    return name in obj or _snake(name) in obj


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def is_made_id(call_id: str) -> bool:
    return bool(_MADE_ID.fullmatch(call_id))


@dataclass(slots=True)
class CallIds:
    """Ids for function calls that came without one, numbered in order of appearance."""

    prefix: str = ""
    count: int = 0

    def take(self, given: Any) -> str:
        self.count += 1
        if isinstance(given, str) and given:
            return given
        return f"call_{self.prefix}{self.count - 1}"


def response_ids(response_id: Any, start: int = 0) -> CallIds:
    return CallIds(f"{response_id}_" if isinstance(response_id, str) and response_id else "", start)


def tool_call(part: Json, ids: CallIds) -> ToolCall:
    call = get(part, "functionCall")
    name = call.get("name") if isinstance(call, dict) else None
    if not isinstance(name, str) or not name:
        raise InvalidRequest("Gemini functionCall without a name")
    args = call.get("args")
    if args is not None and not isinstance(args, dict):
        raise InvalidRequest(f"Gemini functionCall '{name}' has args that are not a JSON object")
    out: ToolCall = {
        "id": ids.take(call.get("id")),
        "type": "function",
        "function": {"name": name, "arguments": dumps(args or {})},
    }
    if isinstance(signature := get(part, "thoughtSignature"), str) and signature:
        out["signature"] = signature
    return out


@dataclass(slots=True)
class ModelTurn:
    """A model turn's parts read into the hub: answer text, reasoning blocks, tool calls."""

    text: list[str] = field(default_factory=list)
    reasoning: list[ReasoningBlock] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)

    def add_thought(self, text: str) -> None:
        if self.reasoning and "signature" not in self.reasoning[-1]:
            self.reasoning[-1]["text"] = self.reasoning[-1].get("text", "") + text
        else:
            self.reasoning.append({"type": "thinking", "text": text, "format": FORMAT})

    def add_signature(self, signature: str) -> None:
        if not self.reasoning or "signature" in self.reasoning[-1]:
            self.reasoning.append({"type": "thinking", "text": "", "format": FORMAT})
        self.reasoning[-1]["signature"] = signature

    def message(self) -> ChatMessage:
        text = "".join(self.text)
        message: ChatMessage = {"role": "assistant", "content": text if text or not self.tool_calls else None}
        if self.reasoning:
            message["reasoning"] = self.reasoning
            if thinking := "".join(b.get("text", "") for b in self.reasoning):
                message["reasoning_content"] = thinking
        if self.tool_calls:
            message["tool_calls"] = self.tool_calls
        return message


def read_model_parts(parts: Any, ids: CallIds) -> ModelTurn:
    turn = ModelTurn()
    for part in parts if isinstance(parts, list) else []:
        if not isinstance(part, dict):
            raise InvalidRequest("a Gemini part must be a JSON object")
        if has(part, "functionCall"):
            turn.tool_calls.append(tool_call(part, ids))
            continue
        text, signature = get(part, "text"), get(part, "thoughtSignature")
        if text is None and not isinstance(signature, str):
            raise InvalidRequest(f"a Gemini model part with {data_keys(part)} cannot be translated")
        if isinstance(text, str) and text:
            if part.get("thought"):
                turn.add_thought(text)
            else:
                turn.text.append(text)
        if isinstance(signature, str) and signature:
            turn.add_signature(signature)
    return turn


_METADATA_KEYS = frozenset(
    [
        "thought",
        "thoughtSignature",
        "thought_signature",
        "videoMetadata",
        "video_metadata",
        "mediaResolution",
        "media_resolution",
        "partMetadata",
        "part_metadata",
    ]
)


def data_keys(part: Json) -> str:
    keys = [k for k in part if k not in _METADATA_KEYS]
    return ", ".join(f"'{k}'" for k in keys) or "no data"


def write_model_parts(message: ChatMessage, *, any_reasoning: bool = False) -> list[Json]:
    """The parts of a model turn: thoughts, answer, function calls. A request replays only blocks of
    format "gemini"; a response to a client (`any_reasoning`) shows every format's reasoning text as
    thoughts, without the signatures Gemini would not know."""
    parts: list[Json] = []
    trailing: str | None = None
    blocks = _thought_blocks(message, any_reasoning)
    for i, block in enumerate(blocks):
        text = block.get("text") or ""
        signature = block.get("signature") if block.get("format") == FORMAT else None
        if signature and i == len(blocks) - 1:
            trailing, signature = signature, None
        if text:
            parts.append({"text": text, "thought": True, **({"thoughtSignature": signature} if signature else {})})
        elif signature:
            parts.append({"text": "", "thoughtSignature": signature})
    answer = assistant_text(message.get("content"))
    if answer or trailing:
        if not answer and parts and parts[-1].get("thought") and "thoughtSignature" not in parts[-1]:
            parts[-1]["thoughtSignature"] = trailing
        else:
            parts.append({"text": answer, **({"thoughtSignature": trailing} if trailing else {})})
    parts.extend(function_call_part(call) for call in message.get("tool_calls") or [])
    return parts


def _thought_blocks(message: ChatMessage, any_reasoning: bool) -> list[ReasoningBlock]:
    blocks = [b for b in message.get("reasoning") or [] if b.get("type") != "redacted"]
    if not any_reasoning:
        return [b for b in blocks if b.get("format") == FORMAT]
    if not blocks and message.get("reasoning_content"):
        return [{"type": "thinking", "text": message["reasoning_content"]}]
    return blocks


def assistant_text(content: Any) -> str:
    if isinstance(content, list):
        for item in content:
            if not isinstance(item, dict) or item.get("type") not in ("text", "refusal"):
                kind = item.get("type") if isinstance(item, dict) else type(item).__name__
                raise InvalidRequest(f"an assistant content part of type '{kind}' cannot be sent to Gemini")
        return "".join(str(p.get("text") or p.get("refusal") or "") for p in content)
    return message_text(content)


def function_call_part(call: ToolCall) -> Json:
    function = call.get("function") or {}
    name = function.get("name", "")
    raw = function.get("arguments") or "{}"
    try:
        args = json.loads(raw)
    except ValueError:
        raise InvalidRequest(f"the arguments of tool call '{call.get('id')}' are not valid JSON") from None
    if not isinstance(args, dict):
        raise InvalidRequest(f"the arguments of tool call '{call.get('id')}' are not a JSON object")
    out: Json = {"name": name, "args": args}
    if call.get("id") and not is_made_id(call["id"]):
        out["id"] = call["id"]
    part: Json = {"functionCall": out}
    if call.get("signature"):
        part["thoughtSignature"] = call["signature"]
    return part


def finish_reason(raw: Any, has_calls: bool) -> str:
    if raw in _CONTENT_FILTER:
        return "content_filter"
    if raw == "MAX_TOKENS":
        return "length"
    return "tool_calls" if has_calls else "stop"


def gemini_finish(finish: Any, stop_reason: Any = None) -> str:
    """Gemini's finishReason for a hub one; the provider's own when it is Gemini's and agrees."""
    if stop_reason in FINISH_REASONS and finish_reason(stop_reason, finish == "tool_calls") == finish:
        return str(stop_reason)
    return _TO_GEMINI_FINISH.get(str(finish), "STOP")


def _count(metadata: Json, name: str) -> int:
    value = get(metadata, name)
    return value if isinstance(value, int) else 0


def read_usage(metadata: Any) -> Usage:
    """Hub usage: completion = candidates + thoughts (Gemini counts thoughts apart)."""
    meta = metadata if isinstance(metadata, dict) else {}
    thoughts = _count(meta, "thoughtsTokenCount")
    completion = _count(meta, "candidatesTokenCount") + thoughts
    return make_usage(
        _count(meta, "promptTokenCount"),
        completion,
        cached=_count(meta, "cachedContentTokenCount"),
        reasoning=thoughts,
    )


def write_usage(usage: Usage) -> Json:
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
    out: Json = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": max(completion - reasoning, 0),
        "totalTokenCount": prompt + completion,
    }
    if reasoning:
        out["thoughtsTokenCount"] = reasoning
    if cached:
        out["cachedContentTokenCount"] = cached
    return out
