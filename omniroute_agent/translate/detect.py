"""Which wire format a request body is in, for bodies sent to the generic OpenAI endpoint.

Only shapes that cannot be OpenAI Chat are recognised as another format; anything else is
OpenAI Chat (and is validated as such).
"""

from __future__ import annotations

from typing import Any

from omniroute_agent.formats import Format

_ANTHROPIC_BLOCKS = {"tool_use", "tool_result", "thinking", "redacted_thinking", "document"}
_ANTHROPIC_ONLY_KEYS = {"system", "stop_sequences", "anthropic_version", "thinking"}


def detect_format(body: dict[str, Any]) -> Format:
    messages = body.get("messages")
    if not isinstance(messages, list):
        if isinstance(body.get("contents"), list):
            return "gemini"
        if "input" in body or "instructions" in body:
            return "responses"
        return "openai"
    raw_tools = body.get("tools")
    tools: list[Any] = raw_tools if isinstance(raw_tools, list) else []
    if (
        _ANTHROPIC_ONLY_KEYS & body.keys()
        or any(isinstance(t, dict) and "input_schema" in t for t in tools)
        or any(_has_anthropic_block(m) for m in messages)
    ):
        return "anthropic"
    if "options" in body or any(isinstance(m, dict) and "images" in m for m in messages):
        return "ollama"
    return "openai"


def _has_anthropic_block(message: Any) -> bool:
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, list):
        return False
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") in _ANTHROPIC_BLOCKS:
            return True
        if block.get("type") == "image" and isinstance(block.get("source"), dict):
            return True
    return False
