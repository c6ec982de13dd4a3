"""Ollama `/api/chat` responses to and from the hub.

    message.content / thinking / tool_calls   content / reasoning_content (+ block) / tool_calls
    done_reason stop | length                 finish_reason stop (tool_calls when calls) | length
    prompt_eval_count / eval_count            usage prompt_tokens / completion_tokens
    created_at (RFC 3339, ns)                 created (epoch seconds)

Ollama sends no response id: one is made from `created_at`. The timing counters (`total_duration`,
`load_duration`, `*_eval_duration`) have no hub slot and are not invented on the way out.
"""

from __future__ import annotations

import re
from typing import Any

from omniroute_agent.errors import InvalidRequest, UpstreamError
from omniroute_agent.translate.hub import ChatMessage, ChatResponse, empty_usage, make_usage, message_text
from omniroute_agent.translate.ollama.common import (
    done_reason,
    epoch,
    finish_reason,
    hub_tool_call,
    ollama_tool_call,
    reasoning_blocks,
    reasoning_text,
    rfc3339,
)

ID_PREFIX = "chatcmpl-ollama-"


def response_id(created_at: Any) -> str:
    """A stable id for an Ollama response, from the digits of its timestamp."""
    return ID_PREFIX + (re.sub(r"\D", "", created_at) if isinstance(created_at, str) else "0")


def to_hub(body: dict[str, Any]) -> ChatResponse:
    raw = body.get("message")
    wire: dict[str, Any] = raw if isinstance(raw, dict) else {}
    try:
        calls = [hub_tool_call(c, n, f"message.tool_calls[{n}]") for n, c in enumerate(wire.get("tool_calls") or [])]
    except InvalidRequest as exc:
        raise UpstreamError(f"malformed Ollama response: {exc.message}", status=502) from exc
    text = wire.get("content") if isinstance(wire.get("content"), str) else ""
    message: ChatMessage = {"role": "assistant", "content": text or (None if calls else "")}
    thinking = wire.get("thinking")
    if isinstance(thinking, str) and thinking:
        message["reasoning_content"] = thinking
        message["reasoning"] = reasoning_blocks(thinking)
    if calls:
        message["tool_calls"] = calls
    response: ChatResponse = {
        "id": response_id(body.get("created_at")),
        "object": "chat.completion",
        "created": epoch(body.get("created_at")),
        "model": str(body.get("model") or ""),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason(body.get("done_reason"), bool(calls)),
            }
        ],
        "usage": make_usage(_count(body, "prompt_eval_count"), _count(body, "eval_count")),
    }
    if isinstance(body.get("done_reason"), str):
        response["stop_reason"] = body["done_reason"]
    return response


def _count(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    return value if isinstance(value, int) else 0


def from_hub(response: ChatResponse, model: str) -> dict[str, Any]:
    choices = response.get("choices") or []
    choice = choices[0] if choices else {}
    hub_message = choice.get("message") or {}
    message: dict[str, Any] = {"role": "assistant", "content": message_text(hub_message.get("content"))}
    thinking = reasoning_text(hub_message)
    if thinking:
        message["thinking"] = thinking
    calls = hub_message.get("tool_calls") or []
    if calls:
        try:
            message["tool_calls"] = [ollama_tool_call(c, i, f"tool_calls[{i}]") for i, c in enumerate(calls)]
        except InvalidRequest as exc:
            raise UpstreamError(f"response cannot be written for Ollama: {exc.message}", status=502) from exc
    usage = response.get("usage") or empty_usage()
    return {
        "model": response.get("model") or model,
        "created_at": rfc3339(response.get("created")),
        "message": message,
        "done": True,
        "done_reason": done_reason(choice.get("finish_reason")),
        "prompt_eval_count": usage["prompt_tokens"],
        "eval_count": usage["completion_tokens"],
    }
