"""GatewayError → OpenAI error object, in one place for the whole /v1 surface."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import JSONResponse, Response

from omniroute_agent.errors import GatewayError, InvalidRequest, RoutingFailed, UpstreamError


def openai_error(exc: GatewayError) -> Response:
    if isinstance(exc, UpstreamError) and _is_openai_error(exc.body):
        # An OpenAI-format upstream's own error (e.g. its 400): the client gets it as the provider sent it.
        return Response(exc.body, status_code=exc.status, media_type="application/json")
    error: dict[str, Any] = {
        "message": exc.message,
        "type": exc.type,
        "param": exc.param if isinstance(exc, InvalidRequest) else None,
        "code": exc.code,
    }
    headers: dict[str, str] = {}
    if isinstance(exc, RoutingFailed):
        error["attempts"] = [a.as_dict() for a in exc.attempts]
        if exc.retry_after is not None:
            headers["retry-after"] = str(max(1, math.ceil(exc.retry_after)))
    return JSONResponse({"error": error}, status_code=exc.status, headers=headers)


def _is_openai_error(body: bytes) -> bool:
    if not body.startswith(b"{"):
        return False
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    return isinstance(parsed, dict) and isinstance(parsed.get("error"), dict)
