"""Google API errors (`google.rpc.Status`): `{"error": {"code", "message", "status", "details"}}`.

A stream without `alt=sse` wraps the error in a one-element array. Gemini's retry hint is the
`google.rpc.RetryInfo` detail (`retryDelay: "28s"`), not a header: `retry_delay_seconds` reads it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from omniroute_agent.errors import GatewayError, RoutingFailed, UpstreamError

_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_ERROR_INFO = "type.googleapis.com/google.rpc.ErrorInfo"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def status_name(status: int) -> str:
    return _STATUS_NAMES.get(status) or ("INTERNAL" if status >= 500 else "FAILED_PRECONDITION")


def error_body(exc: GatewayError) -> tuple[int, dict[str, Any]]:
    error: dict[str, Any] = {"code": exc.status, "message": exc.message, "status": status_name(exc.status)}
    retry_after = exc.retry_after if isinstance(exc, UpstreamError | RoutingFailed) else None
    if retry_after is not None:
        seconds = f"{retry_after:.3f}".rstrip("0").rstrip(".")
        error["details"] = [{"@type": _RETRY_INFO, "retryDelay": f"{seconds}s"}]
    return exc.status, {"error": error}


def _error(body: bytes) -> dict[str, Any] | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if isinstance(parsed, list) and len(parsed) == 1:
        parsed = parsed[0]
    error = parsed.get("error") if isinstance(parsed, dict) else None
    return error if isinstance(error, dict) else None


def _details(error: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    details = error.get("details")
    return [d for d in details or [] if isinstance(d, dict) and d.get("@type") == kind]


def parse_error(status: int, body: bytes) -> tuple[str, str]:
    """(message, code): the code is the ErrorInfo reason (e.g. API_KEY_INVALID) or the status name."""
    error = _error(body)
    if error is None:
        text = body[:300].decode("utf-8", "replace").strip()
        return text or f"status {status}", f"http_{status}"
    message = str(error.get("message") or f"status {status}")
    if (delay := retry_delay_seconds(body)) is not None:
        message += f" (retry after {delay:g}s)"
    reasons = [d.get("reason") for d in _details(error, _ERROR_INFO) if d.get("reason")]
    return message, str(reasons[0] if reasons else error.get("status") or f"http_{status}")


def retry_delay_seconds(body: bytes) -> float | None:
    """Seconds from the body's `google.rpc.RetryInfo.retryDelay` ("28s", "1.5s" or {seconds, nanos})."""
    error = _error(body)
    for detail in _details(error, _RETRY_INFO) if error else []:
        delay = detail.get("retryDelay")
        if isinstance(delay, str) and (m := _DURATION.match(delay)):
            return float(m.group(1))
        if isinstance(delay, dict):
            return float(delay.get("seconds") or 0) + float(delay.get("nanos") or 0) / 1e9
    return None
