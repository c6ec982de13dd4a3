"""OpenAI error objects: `{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

import json
from typing import Any

from omniroute_agent.errors import GatewayError, InvalidRequest, RoutingFailed


def error_body(exc: GatewayError) -> tuple[int, dict[str, Any]]:
    error: dict[str, Any] = {
        "message": exc.message,
        "type": exc.type,
        "param": exc.param if isinstance(exc, InvalidRequest) else None,
        "code": exc.code,
    }
    if isinstance(exc, RoutingFailed):
        error["attempts"] = [a.as_dict() for a in exc.attempts]
    return exc.status, {"error": error}


def parse_error(status: int, body: bytes) -> tuple[str, str]:
    """(message, code) from an OpenAI-shaped error body; the raw text when it is not one."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body[:300].decode("utf-8", "replace").strip() or f"status {status}", f"http_{status}"
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or f"status {status}"), str(error.get("code") or error.get("type") or "")
    if isinstance(error, str):
        return error, f"http_{status}"
    return json.dumps(parsed)[:300], f"http_{status}"
