"""GET /v1/models: every provider model and combo a client can name."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from omniroute_agent.server.state import runtime_of


async def list_models(request: Request) -> JSONResponse:
    gateway = runtime_of(request).gateway
    created = int(gateway.started_at)
    data = [{"id": m["id"], "object": "model", "created": created, "owned_by": m["owned_by"]} for m in gateway.models()]
    return JSONResponse({"object": "list", "data": data})
