"""Anthropic error objects: `{"type": "error", "error": {"type", "message"}}`, typed by HTTP status."""

from __future__ import annotations

import json
from typing import Any

from omniroute_agent.errors import GatewayError, RoutingFailed

TYPE_BY_STATUS: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    504: "timeout_error",
    529: "overloaded_error",
}
STATUS_BY_TYPE: dict[str, int] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}


def error_type(status: int) -> str:
    if status in TYPE_BY_STATUS:
        return TYPE_BY_STATUS[status]
    return "api_error" if status >= 500 else "invalid_request_error"


def error_body(exc: GatewayError) -> tuple[int, dict[str, Any]]:
    error: dict[str, Any] = {"type": error_type(exc.status), "message": exc.message}
    if isinstance(exc, RoutingFailed):
        error["attempts"] = [a.as_dict() for a in exc.attempts]
    return exc.status, {"type": "error", "error": error}


def parse_error(status: int, body: bytes) -> tuple[str, str]:
    """(message, code) from an Anthropic error body, the code being its error type; the raw text
    when the body is not one."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body[:300].decode("utf-8", "replace").strip() or f"status {status}", f"http_{status}"
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or f"status {status}"), str(error.get("type") or f"http_{status}")
    if isinstance(error, str):
        return error, f"http_{status}"
    return json.dumps(parsed)[:300], f"http_{status}"
