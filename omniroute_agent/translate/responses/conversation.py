"""The conversation: Responses `input` items ⇄ hub messages.

    message item (user/system/developer)   → a message of that role
    message item (assistant)               → an assistant message (text joined, refusal kept)
    function_call items                    → `tool_calls` of an assistant message (id = call_id,
                                             item_id = the fc_ id); consecutive calls share one
                                             message, also with the assistant message before them
    function_call_output                   → a `tool` message
    reasoning item                         → a reasoning block of format "responses" on the next
                                             assistant message

On the way out, reasoning blocks are replayed only when they carry `encrypted_content` from this
format (a bare id would point at stored state the stateless gateway does not keep), every tool
call must be answered by a tool result before the next user (or system) turn and by the end, and
a result must answer a call.
"""

from __future__ import annotations

from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatMessage, ReasoningBlock, ToolCall
from omniroute_agent.translate.responses.items import (
    FORMAT,
    content_from_hub,
    content_to_hub,
    new_id,
    reasoning_block,
    text_only,
)

_ROLES = ("user", "assistant", "system", "developer")


# ---- Responses → hub -------------------------------------------------------------------------


def input_to_messages(items: Any) -> list[ChatMessage]:
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    if not isinstance(items, list):
        raise InvalidRequest("input must be a string or a list of items", param="input")
    messages: list[ChatMessage] = []
    pending: list[ReasoningBlock] = []
    for i, item in enumerate(items):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise InvalidRequest(f"{where} must be an object", param=where)
        kind = item.get("type", "message")
        if kind == "reasoning":
            pending.append(reasoning_block(item))
        elif kind == "function_call":
            _add_call(messages, pending, _tool_call(item, where))
            pending = []
        elif kind == "message":
            message = _message(item, where)
            if message["role"] == "assistant":
                if pending:
                    message["reasoning"] = pending
                    pending = []
                messages.append(message)
            else:
                _flush(messages, pending)
                pending = []
                messages.append(message)
        elif kind == "function_call_output":
            _flush(messages, pending)
            pending = []
            messages.append(_tool_result(item, where))
        elif kind == "item_reference":
            raise InvalidRequest(
                f"{where}: item_reference is not supported: the gateway is stateless, send the item itself",
                param=where,
            )
        else:
            raise InvalidRequest(f"{where}: input item type '{kind}' is not supported", param=where)
    _flush(messages, pending)
    return messages


def _flush(messages: list[ChatMessage], pending: list[ReasoningBlock]) -> None:
    """Reasoning that no assistant turn followed becomes an assistant turn of its own."""
    if pending:
        messages.append({"role": "assistant", "content": None, "reasoning": pending})


def _add_call(messages: list[ChatMessage], pending: list[ReasoningBlock], call: ToolCall) -> None:
    last = messages[-1] if messages else None
    # New reasoning after earlier calls starts a new assistant turn, keeping the item order.
    if last is not None and last.get("role") == "assistant" and not (pending and last.get("tool_calls")):
        last.setdefault("tool_calls", []).append(call)
        if pending:
            last["reasoning"] = [*last.get("reasoning", []), *pending]
        return
    message: ChatMessage = {"role": "assistant", "content": None, "tool_calls": [call]}
    if pending:
        message["reasoning"] = pending
    messages.append(message)


def _message(item: dict[str, Any], where: str) -> ChatMessage:
    role = item.get("role")
    if role not in _ROLES:
        raise InvalidRequest(f"{where}: role '{role}' is not supported", param=where)
    content = item.get("content")
    if role != "assistant":
        return {"role": role, "content": content_to_hub(content, f"{where}.content")}
    if isinstance(content, str):
        return {"role": "assistant", "content": content}
    if not isinstance(content, list):
        raise InvalidRequest(f"{where}.content must be a string or a list of parts", param=where)
    texts, refusals = [], []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("output_text", "input_text"):
            texts.append(str(part.get("text", "")))
        elif kind == "refusal":
            refusals.append(str(part.get("refusal", "")))
        else:
            raise InvalidRequest(f"{where}.content[{j}]: '{kind}' is not an assistant content part", param=where)
    message: ChatMessage = {"role": "assistant", "content": "".join(texts) if texts or not refusals else None}
    if refusals:
        message["refusal"] = "".join(refusals)  # type: ignore[typeddict-unknown-key]  # OpenAI Chat's own key
    return message


def _tool_call(item: dict[str, Any], where: str) -> ToolCall:
    call_id, name = item.get("call_id"), item.get("name")
    if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
        raise InvalidRequest(f"{where}: function_call needs call_id and name", param=where)
    arguments = item.get("arguments")
    call: ToolCall = {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments if isinstance(arguments, str) else "{}"},
    }
    if item.get("id"):
        call["item_id"] = str(item["id"])
    return call


def _tool_result(item: dict[str, Any], where: str) -> ChatMessage:
    call_id = item.get("call_id")
    if not isinstance(call_id, str) or not call_id:
        raise InvalidRequest(f"{where}: function_call_output needs call_id", param=where)
    output = item.get("output")
    content = content_to_hub(output if output is not None else "", f"{where}.output")
    return {"role": "tool", "tool_call_id": call_id, "content": content}


# ---- hub → Responses -------------------------------------------------------------------------


def messages_to_input(messages: list[ChatMessage], quirks: Quirks) -> tuple[str | None, list[dict[str, Any]]]:
    """(instructions, input items). A leading system message becomes `instructions`."""
    instructions: str | None = None
    rest = list(messages)
    if rest and rest[0].get("role") == "system" and not quirks.system_as_user:
        instructions = text_only(rest[0].get("content"), "messages[0].content")
        rest = rest[1:]
    offset = len(messages) - len(rest)
    items: list[dict[str, Any]] = []
    unanswered: dict[str, None] = {}  # call ids in order, awaiting their results
    known: set[str] = set()
    system_text: list[str] = []
    for n, message in enumerate(rest, start=offset):
        where = f"messages[{n}]"
        role = message.get("role")
        if role in ("user", "system", "developer") and unanswered:
            _missing(next(iter(unanswered)))
        if role == "tool":
            call_id = str(message.get("tool_call_id") or "")
            if call_id not in known:
                raise InvalidRequest(f"{where}: tool result for unknown tool_call id '{call_id}'", param=where)
            unanswered.pop(call_id, None)
            output = content_from_hub(message.get("content"), f"{where}.content")
            items.append({"type": "function_call_output", "call_id": call_id, "output": output})
        elif role == "assistant":
            items.extend(_assistant_items(message, where))
            for call in message.get("tool_calls") or []:
                unanswered[call["id"]] = None
                known.add(call["id"])
        elif role in ("system", "developer") and quirks.system_as_user:
            system_text.append(text_only(message.get("content"), f"{where}.content"))
        elif role in ("system", "developer", "user"):
            if role == "developer" and quirks.developer_as_system:
                role = "system"
            items.append({"role": role, "content": content_from_hub(message.get("content"), f"{where}.content")})
        else:
            raise InvalidRequest(f"{where}: role '{role}' is not supported", param=where)
    if unanswered:
        _missing(next(iter(unanswered)))
    if system_text:
        _fold_into_first_user(items, "\n\n".join(system_text))
    return instructions, items


def _missing(call_id: str) -> None:
    raise InvalidRequest(
        f"tool_call id '{call_id}' has no tool result: the Responses API needs a function_call_output "
        "for every function call before the next turn",
        param="messages",
    )


def _assistant_items(message: ChatMessage, where: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for block in message.get("reasoning") or []:
        if block.get("format") == FORMAT and block.get("data"):
            item: dict[str, Any] = {"type": "reasoning"}
            if block.get("id"):
                item["id"] = block["id"]
            item["summary"] = [{"type": "summary_text", "text": block["text"]}] if block.get("text") else []
            item["encrypted_content"] = block["data"]
            items.append(item)
    text = text_only(message.get("content"), f"{where}.content")
    refusal = message.get("refusal")  # OpenAI Chat's own key
    if isinstance(refusal, str) and refusal:
        parts: list[dict[str, Any]] = [{"type": "output_text", "text": text, "annotations": []}] if text else []
        parts.append({"type": "refusal", "refusal": refusal})
        items.append({"type": "message", "role": "assistant", "content": parts})
    elif text:
        items.append({"role": "assistant", "content": text})
    for call in message.get("tool_calls") or []:
        items.append(
            {
                "id": call.get("item_id") or new_id("fc"),
                "type": "function_call",
                "status": "completed",
                "arguments": call["function"]["arguments"],
                "call_id": call["id"],
                "name": call["function"]["name"],
            }
        )
    return items


def _fold_into_first_user(items: list[dict[str, Any]], system: str) -> None:
    for item in items:
        if item.get("role") == "user":
            content = item["content"]
            if isinstance(content, list):
                item["content"] = [{"type": "input_text", "text": system}, *content]
            else:
                item["content"] = f"{system}\n\n{content}"
            return
    items.insert(0, {"role": "user", "content": system})
