"""Ollama error bodies: `{"error": "message"}` with the HTTP status (200 inside a stream)."""

from __future__ import annotations

import json
from typing import Any

from omniroute_agent.errors import GatewayError


def error_body(exc: GatewayError) -> tuple[int, dict[str, Any]]:
    return exc.status, {"error": exc.message}


def parse_error(status: int, body: bytes) -> tuple[str, str]:
    """(message, code) from an Ollama error body; Ollama has no error codes, so the code is `http_<status>`.
    An OpenAI-shaped body (Ollama's /v1 endpoints, proxies in front of it) is read too."""
    code = f"http_{status}"
    try:
        parsed = json.loads(body)
    except ValueError:
        return body[:300].decode("utf-8", "replace").strip() or f"status {status}", code
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(error, str):
        return error or f"status {status}", code
    if isinstance(error, dict):
        return str(error.get("message") or f"status {status}"), str(error.get("code") or error.get("type") or code)
    return json.dumps(parsed)[:300], code
