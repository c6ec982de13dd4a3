"""What the Anthropic response and stream translators share: stop reasons, usage and ids."""

from __future__ import annotations

import uuid
from typing import Any

from omniroute_agent.translate.hub import FinishReason, Usage, make_usage

STOP_TO_FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}
FINISH_TO_STOP: dict[str, str] = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "content_filter": "refusal",
}


def finish_reason(stop_reason: object) -> FinishReason | None:
    if not isinstance(stop_reason, str):
        return None
    return STOP_TO_FINISH.get(stop_reason, "stop")


def stop_reason(finish: object, kept: object = None, *, has_tool_calls: bool = False) -> str:
    """Anthropic's stop reason for a hub finish reason. The provider's own reason is preferred when
    it is an Anthropic one that maps to the same finish (so `stop_sequence` and `pause_turn` survive).
    A provider that stops with `stop` after calling tools (Gemini does) gets `tool_use`."""
    if isinstance(kept, str) and kept in STOP_TO_FINISH and STOP_TO_FINISH[kept] == finish:
        return kept
    if finish == "stop" and has_tool_calls:
        return "tool_use"
    return FINISH_TO_STOP.get(finish if isinstance(finish, str) else "stop", "end_turn")


def _count(raw: dict[str, Any], key: str) -> int:
    value = raw.get(key)
    return value if isinstance(value, int) else 0


def usage_to_hub(raw: object) -> Usage:
    """Hub usage from an Anthropic `usage`: prompt tokens include cache reads and cache writes."""
    if not isinstance(raw, dict):
        return make_usage(0, 0)
    cached = _count(raw, "cache_read_input_tokens")
    creation = _count(raw, "cache_creation_input_tokens")
    details = raw.get("output_tokens_details")
    reasoning = _count(details, "thinking_tokens") if isinstance(details, dict) else 0
    usage = make_usage(
        _count(raw, "input_tokens") + cached + creation,
        _count(raw, "output_tokens"),
        cached=cached,
        reasoning=reasoning,
    )
    if creation:
        usage.setdefault("prompt_tokens_details", {})["cache_creation_tokens"] = creation
    return usage


def usage_from_hub(usage: Usage | None) -> dict[str, int]:
    """Anthropic usage counts from hub usage (input tokens exclude cache reads and writes)."""
    if not usage:
        return {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        }
    details = usage.get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens") or 0
    creation = details.get("cache_creation_tokens") or 0
    return {
        "input_tokens": max(usage.get("prompt_tokens", 0) - cached - creation, 0),
        "output_tokens": usage.get("completion_tokens", 0),
        "cache_read_input_tokens": cached,
        "cache_creation_input_tokens": creation,
    }


def message_id(hub_id: object) -> str:
    if isinstance(hub_id, str) and hub_id.startswith("msg_"):
        return hub_id
    if isinstance(hub_id, str) and hub_id:
        return f"msg_{hub_id}"
    return f"msg_{uuid.uuid4().hex[:24]}"


def tool_use_id() -> str:
    return f"toolu_{uuid.uuid4().hex[:24]}"
