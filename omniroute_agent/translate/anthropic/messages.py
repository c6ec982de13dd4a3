"""Anthropic `system` + `messages` ⇄ hub messages.

To the hub: a user turn's `tool_result` blocks become `role: "tool"` messages (in place, so the
rest of the turn follows them as a user message); an assistant turn's `thinking` /
`redacted_thinking` blocks become `reasoning` blocks (format "anthropic") plus
`reasoning_content`, its `tool_use` blocks become `tool_calls` (arguments = compact JSON).

From the hub: system and developer messages become the top-level `system`; consecutive tool
messages become one user turn of `tool_result` blocks; reasoning blocks of format "anthropic"
are replayed first in the assistant turn (others are dropped: their signatures mean nothing here);
consecutive turns of one role are merged, as the API wants user and assistant to alternate.
Every assistant tool call must be answered by a tool result before the next turn.
"""

from __future__ import annotations

import json
from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.anthropic.content import part_from_hub, part_to_hub
from omniroute_agent.translate.hub import ChatMessage, ReasoningBlock, ToolCall

FORMAT = "anthropic"
TOOL_ERROR_PREFIX = "Error: "


def system_to_hub(system: object) -> list[ChatMessage]:
    if system is None:
        return []
    if isinstance(system, str):
        return [{"role": "system", "content": system}]
    if isinstance(system, list):
        return [{"role": "system", "content": [_text_part(block, "system") for block in system]}]
    raise InvalidRequest("'system' must be a string or a list of text blocks", param="system")


def _text_part(block: object, param: str) -> dict[str, Any]:
    if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
        raise InvalidRequest(f"'{param}' blocks must be text blocks", param=param)
    return {"type": "text", "text": block["text"]}


def messages_to_hub(messages: object) -> list[ChatMessage]:
    if not isinstance(messages, list):
        raise InvalidRequest("'messages' must be a list", param="messages")
    out: list[ChatMessage] = []
    for message in messages:
        if not isinstance(message, dict):
            raise InvalidRequest("each message must be an object", param="messages")
        role, content = message.get("role"), message.get("content")
        if role == "user":
            out.extend(_user_to_hub(content))
        elif role == "assistant":
            out.append(_assistant_to_hub(content))
        elif role == "system":
            out.extend(system_to_hub(content))
        else:
            raise InvalidRequest(f"message role '{role}' is not an Anthropic role", param="messages")
    return out


def _user_to_hub(content: object) -> list[ChatMessage]:
    if isinstance(content, str):
        return [{"role": "user", "content": content}]
    if not isinstance(content, list):
        raise InvalidRequest("message content must be a string or a list of blocks", param="messages")
    out: list[ChatMessage] = []
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_result":
            if parts:
                out.append({"role": "user", "content": parts})
                parts = []
            out.append(_tool_result_to_hub(block))
        else:
            parts.append(part_to_hub(block))
    if parts or not out:
        out.append({"role": "user", "content": parts})
    return out


def _tool_result_to_hub(block: dict[str, Any]) -> ChatMessage:
    raw = block.get("content", "")
    content: str | list[dict[str, Any]] = raw if isinstance(raw, str) else [part_to_hub(b) for b in raw or []]
    if block.get("is_error"):  # the hub has no error flag: say it in the text
        if isinstance(content, str):
            content = TOOL_ERROR_PREFIX + content
        else:
            content = [{"type": "text", "text": TOOL_ERROR_PREFIX.strip()}, *content]
    return {"role": "tool", "tool_call_id": str(block.get("tool_use_id", "")), "content": content}


def _assistant_to_hub(content: object) -> ChatMessage:
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    if not isinstance(content, list):
        raise InvalidRequest("message content must be a string or a list of blocks", param="messages")
    parts: list[dict[str, Any]] = []
    calls: list[ToolCall] = []
    reasoning: list[ReasoningBlock] = []
    for block in content:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "tool_use":
            calls.append(tool_call_to_hub(block))
        elif kind in ("thinking", "redacted_thinking"):
            reasoning.append(reasoning_to_hub(block))
        else:
            parts.append(part_to_hub(block))
    message: ChatMessage = {"role": "assistant", "content": parts or None}
    if calls:
        message["tool_calls"] = calls
    if reasoning:
        message["reasoning"] = reasoning
        text = "".join(r.get("text", "") for r in reasoning)
        if text:
            message["reasoning_content"] = text
    return message


def tool_call_to_hub(block: dict[str, Any]) -> ToolCall:
    arguments = json.dumps(block.get("input") or {}, separators=(",", ":"), ensure_ascii=False)
    return {
        "id": str(block.get("id", "")),
        "type": "function",
        "function": {"name": str(block.get("name", "")), "arguments": arguments},
    }


def reasoning_to_hub(block: dict[str, Any]) -> ReasoningBlock:
    if block.get("type") == "redacted_thinking":
        return {"type": "redacted", "data": str(block.get("data", "")), "format": FORMAT}
    out: ReasoningBlock = {"type": "thinking", "text": str(block.get("thinking", "")), "format": FORMAT}
    if block.get("signature"):
        out["signature"] = str(block["signature"])
    return out


# --- from the hub -------------------------------------------------------------------------------


def messages_from_hub(
    messages: list[ChatMessage],
) -> tuple[str | list[dict[str, Any]] | None, list[dict[str, Any]]]:
    """(top-level `system`, `messages`) for a list of hub messages."""
    check_tool_results(messages)
    system: list[ChatMessage] = []
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role in ("system", "developer"):
            system.append(message)
        elif role == "tool":
            _append(out, "user", [_tool_result_from_hub(message)])
        elif role == "user":
            _append(out, "user", _content_from_hub(message.get("content")))
        elif role == "assistant":
            _append(out, "assistant", _assistant_from_hub(message))
        else:
            raise InvalidRequest(f"message role '{role}' cannot be sent to an Anthropic model", param="messages")
    return _system_from_hub(system), out


def check_tool_results(messages: list[ChatMessage]) -> None:
    """Every assistant tool call is answered by a tool message before the next turn, and every
    tool message answers a call of the assistant turn just before it."""
    pending: list[str] = []
    for message in messages:
        role = message.get("role")
        if role == "tool":
            call_id = message.get("tool_call_id", "")
            if call_id not in pending:
                raise InvalidRequest(
                    f"tool message answers tool_call id '{call_id}', which the assistant turn before it "
                    "did not make (or which was already answered)",
                    param="messages",
                )
            pending.remove(call_id)
        elif role not in ("system", "developer"):
            if pending:
                raise InvalidRequest(
                    f"tool call '{pending[0]}' has no tool result before the next turn; "
                    "Anthropic requires one for every tool call",
                    param="messages",
                )
            if role == "assistant":
                pending = [call["id"] for call in message.get("tool_calls") or []]
    if pending:
        raise InvalidRequest(
            f"tool call '{pending[0]}' has no tool result; Anthropic requires one for every tool call",
            param="messages",
        )


def _append(out: list[dict[str, Any]], role: str, content: str | list[dict[str, Any]]) -> None:
    if out and out[-1]["role"] == role:
        out[-1]["content"] = [*_as_blocks(out[-1]["content"]), *_as_blocks(content)]
    else:
        out.append({"role": role, "content": content})


def _as_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content


def _content_from_hub(content: object) -> str | list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return [part_from_hub(part) for part in content]
    raise InvalidRequest("message content must be a string or a list of parts", param="messages")


def _tool_result_from_hub(message: ChatMessage) -> dict[str, Any]:
    content = _content_from_hub(message.get("content"))
    for block in content if isinstance(content, list) else []:
        if block["type"] not in ("text", "image"):
            raise InvalidRequest(f"a tool result cannot hold a '{block['type']}' block", param="messages")
    return {"type": "tool_result", "tool_use_id": message.get("tool_call_id", ""), "content": content}


def _assistant_from_hub(message: ChatMessage) -> str | list[dict[str, Any]]:
    content = _content_from_hub(message.get("content"))
    calls = message.get("tool_calls") or []
    reasoning = [b for r in message.get("reasoning") or [] if (b := _reasoning_from_hub(r))]
    if isinstance(content, str) and not calls and not reasoning:
        return content
    blocks = [b for b in _as_blocks(content) if b.get("type") != "text" or b.get("text")]
    return [*reasoning, *blocks, *(tool_use_from_hub(call) for call in calls)]


def _reasoning_from_hub(block: ReasoningBlock) -> dict[str, Any] | None:
    """The block to replay, or None: only signed Anthropic thinking and Anthropic redacted blocks."""
    if block.get("format") != FORMAT:
        return None
    if block.get("type") == "redacted" and block.get("data"):
        return {"type": "redacted_thinking", "data": block["data"]}
    if block.get("type") == "thinking" and block.get("signature"):
        return {"type": "thinking", "thinking": block.get("text", ""), "signature": block["signature"]}
    return None


def tool_use_from_hub(call: ToolCall) -> dict[str, Any]:
    arguments = call["function"].get("arguments") or "{}"
    try:
        value = json.loads(arguments)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise InvalidRequest(
            f"tool call '{call.get('id')}' has arguments that are not a JSON object: {arguments[:100]!r}",
            param="messages",
        )
    return {
        "type": "tool_use",
        "id": call.get("id", ""),
        "name": call["function"].get("name", ""),
        "input": value,
    }


def _system_from_hub(system: list[ChatMessage]) -> str | list[dict[str, Any]] | None:
    if not system:
        return None
    if len(system) == 1 and isinstance(system[0].get("content"), str):
        return system[0]["content"]
    blocks: list[dict[str, Any]] = []
    for message in system:
        for block in _as_blocks(_content_from_hub(message.get("content"))):
            if block["type"] != "text":
                raise InvalidRequest("a system message can only hold text", param="messages")
            blocks.append(block)
    return blocks
