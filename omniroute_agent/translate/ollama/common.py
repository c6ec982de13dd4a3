"""What the Ollama request, response and stream translators share: timestamps, images, tool calls,
thinking, and the finish-reason mapping.

Ollama tool calls carry `id` (`call_xxxxxxxx` on current servers) and `function.index`, and their
arguments are a JSON object; the hub keeps arguments as JSON text. Older servers and clients send no
id, so one is made from the call's position (`call_<n>`), the same on every run.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from datetime import UTC, datetime
from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.hub import ReasoningBlock, ToolCall

FORMAT = "ollama"

_RFC3339 = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?")
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


# ---- timestamps


def epoch(created_at: Any) -> int:
    """Epoch seconds of an RFC 3339 timestamp (nanosecond fractions allowed); 0 if unreadable."""
    if not isinstance(created_at, str) or not (m := _RFC3339.fullmatch(created_at.strip())):
        return 0
    zone = m.group(3) or "Z"
    stamp = datetime.fromisoformat(m.group(1) + ("+00:00" if zone == "Z" else zone))
    return int(stamp.timestamp())


def rfc3339(created: int | None) -> str:
    """An RFC 3339 UTC timestamp for epoch seconds (now when unknown)."""
    seconds = created if created else int(time.time())
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- images


def image_media_type(data: str) -> str:
    """The media type of base64 image data, from its magic bytes; PNG when unknown."""
    head = data[:24]
    try:
        raw = base64.b64decode(head + "=" * (-len(head) % 4))
    except (binascii.Error, ValueError):
        return "image/png"
    for magic, media_type in _MAGIC:
        if raw.startswith(magic):
            return media_type
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "image/webp"
    return "image/png"


def image_part(data: str) -> dict[str, Any]:
    """An Ollama image (raw base64, or a data URL some clients send) as a hub `image_url` part."""
    url = data if data.startswith("data:") else f"data:{image_media_type(data)};base64,{data}"
    return {"type": "image_url", "image_url": {"url": url}}


def image_data(part: dict[str, Any], where: str) -> str:
    """The raw base64 of a hub `image_url` part; Ollama takes inline data only."""
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        raise InvalidRequest(f"{where}: image_url part without a url", param=where)
    if not url.startswith("data:"):
        raise InvalidRequest(f"{where}: Ollama takes images as inline base64 data, not URLs ({url[:60]})", param=where)
    header, sep, payload = url.partition(",")
    if not sep or not header.endswith(";base64"):
        raise InvalidRequest(f"{where}: image data URL is not base64-encoded", param=where)
    return payload


# ---- tool calls


def arguments_text(arguments: Any, where: str) -> str:
    """Ollama arguments (a JSON object) as the hub's JSON text; a JSON string is accepted as it is."""
    if isinstance(arguments, dict):
        return json.dumps(arguments, separators=(",", ":"), ensure_ascii=False)
    if arguments is None:
        return "{}"
    if isinstance(arguments, str):
        arguments_object(arguments, where)
        return arguments
    raise InvalidRequest(f"{where}: tool call arguments must be a JSON object", param=where)


def arguments_object(text: Any, where: str) -> dict[str, Any]:
    """The hub's JSON text as the object Ollama wants (raises InvalidRequest when it is not one)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return {}
    try:
        parsed = json.loads(text) if isinstance(text, str) else None
    except ValueError as exc:
        raise InvalidRequest(f"{where}: tool call arguments are not valid JSON ({exc})", param=where) from exc
    if not isinstance(parsed, dict):
        raise InvalidRequest(f"{where}: tool call arguments must be a JSON object for Ollama", param=where)
    return parsed


def hub_tool_call(call: Any, number: int, where: str) -> ToolCall:
    """One Ollama tool call as a hub tool call; `number` names it when it has no id."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise InvalidRequest(f"{where}: tool call without function.name", param=where)
    call_id = call.get("id")
    return {
        "id": call_id if isinstance(call_id, str) and call_id else f"call_{number}",
        "type": "function",
        "function": {"name": function["name"], "arguments": arguments_text(function.get("arguments"), where)},
    }


def ollama_tool_call(call: ToolCall, index: int, where: str) -> dict[str, Any]:
    """One hub tool call as Ollama writes it: `id`, `function {index, name, arguments object}`."""
    function = call.get("function") or {}
    return {
        "id": call.get("id") or f"call_{index}",
        "function": {
            "index": index,
            "name": function.get("name", ""),
            "arguments": arguments_object(function.get("arguments"), where),
        },
    }


# ---- thinking and finish reasons


def reasoning_blocks(thinking: str) -> list[ReasoningBlock]:
    return [{"type": "thinking", "text": thinking, "format": FORMAT}]


def reasoning_text(message: Any) -> str:
    """A hub message's reasoning as plain text: `reasoning_content`, else its thinking blocks' text
    (signatures and redacted blocks belong to other formats and are not replayed)."""
    if not isinstance(message, dict):
        return ""
    text = message.get("reasoning_content")
    if isinstance(text, str) and text:
        return text
    blocks = message.get("reasoning") or []
    return "".join(str(b.get("text") or "") for b in blocks if isinstance(b, dict) and b.get("type") == "thinking")


def finish_reason(done_reason: Any, has_tool_calls: bool) -> str:
    """Ollama `done_reason` → hub finish reason (Ollama says "stop" after tool calls too)."""
    if done_reason == "length":
        return "length"
    return "tool_calls" if has_tool_calls else "stop"


def done_reason(finish: Any) -> str:
    """Hub finish reason → Ollama `done_reason` ("stop" or "length")."""
    return "length" if finish == "length" else "stop"
