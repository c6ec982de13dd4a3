"""POST /a2a: the A2A JSON-RPC endpoint, and the agent card routes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from omniroute_agent.a2a.methods import CallContext, dispatch
from omniroute_agent.server.state import request_id_of, runtime_of


async def a2a_endpoint(request: Request) -> Response:
    runtime = runtime_of(request)
    body = (await request.body()).decode("utf-8", "replace")
    answer = await dispatch(body, CallContext(runtime.tasks, request_id_of(request)))
    if not answer:  # a notification: JSON-RPC sends nothing back
        return Response(status_code=204)
    return Response(answer, media_type="application/json")


async def agent_card(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.card)
