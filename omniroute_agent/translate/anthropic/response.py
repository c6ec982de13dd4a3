"""Anthropic `Message` responses to and from the hub.

To the hub: text blocks joined into `content`, `tool_use` blocks into `tool_calls`, thinking blocks
into `reasoning` (format "anthropic") and `reasoning_content`; the stop reason mapped to a finish
reason and kept as `stop_reason`; prompt tokens include cache reads and writes. Citations and
server-tool blocks are not translated.

From the hub: blocks in the order thinking → text → tool_use. Reasoning from another format goes
out as thinking with an empty signature (shown to the client, never replayable to Anthropic).
"""

from __future__ import annotations

import time
from typing import Any

from omniroute_agent.errors import InvalidRequest, UpstreamError
from omniroute_agent.translate.anthropic._shared import (
    finish_reason,
    message_id,
    stop_reason,
    usage_from_hub,
    usage_to_hub,
)
from omniroute_agent.translate.anthropic.messages import (
    FORMAT,
    reasoning_to_hub,
    tool_call_to_hub,
    tool_use_from_hub,
)
from omniroute_agent.translate.hub import ChatMessage, ChatResponse, ReasoningBlock, ToolCall, message_text


def to_hub(body: dict[str, Any]) -> ChatResponse:
    texts: list[str] = []
    calls: list[ToolCall] = []
    reasoning: list[ReasoningBlock] = []
    for block in body.get("content") or []:
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            calls.append(tool_call_to_hub(block))
        elif kind in ("thinking", "redacted_thinking"):
            reasoning.append(reasoning_to_hub(block))
    message: ChatMessage = {"role": "assistant", "content": "".join(texts) if texts else None}
    if calls:
        message["tool_calls"] = calls
    if reasoning:
        message["reasoning"] = reasoning
        thought = "".join(r.get("text", "") for r in reasoning)
        if thought:
            message["reasoning_content"] = thought
    stop = body.get("stop_reason")
    response: ChatResponse = {
        "id": str(body.get("id", "")),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model", "")),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason(stop)}],
        "usage": usage_to_hub(body.get("usage")),
    }
    if isinstance(stop, str):
        response["stop_reason"] = stop
    return response


def from_hub(response: ChatResponse, model: str) -> dict[str, Any]:
    choices = response.get("choices") or [{}]
    choice = choices[0]
    message = choice.get("message") or {}
    calls = message.get("tool_calls") or []
    content = _thinking_blocks(message)
    text = message_text(message.get("content"))
    if text:
        content.append({"type": "text", "text": text})
    for call in calls:
        try:
            content.append(tool_use_from_hub(call))
        except InvalidRequest as exc:
            raise UpstreamError(f"the model returned {exc.message}", status=502) from exc
    return {
        "id": message_id(response.get("id")),
        "type": "message",
        "role": "assistant",
        "model": response.get("model") or model,
        "content": content,
        "stop_reason": stop_reason(
            choice.get("finish_reason") or "stop", response.get("stop_reason"), has_tool_calls=bool(calls)
        ),
        "stop_sequence": None,
        "usage": usage_from_hub(response.get("usage")),
    }


def _thinking_blocks(message: ChatMessage) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for block in message.get("reasoning") or []:
        ours = block.get("format") == FORMAT
        if block.get("type") == "redacted":
            if ours and block.get("data"):
                blocks.append({"type": "redacted_thinking", "data": block["data"]})
        elif block.get("text") or (ours and block.get("signature")):
            signature = block.get("signature", "") if ours else ""
            blocks.append({"type": "thinking", "thinking": block.get("text", ""), "signature": signature})
    if not blocks and message.get("reasoning_content"):
        blocks.append({"type": "thinking", "thinking": message["reasoning_content"], "signature": ""})
    return blocks
