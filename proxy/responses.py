"""POST /v1/responses (Codex and other OpenAI Responses clients)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from omniroute_agent.proxy.handler import serve


async def responses(request: Request) -> Response:
    return await serve(request, "responses")
