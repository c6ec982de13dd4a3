"""POST /a2a: the A2A JSON-RPC endpoint (0.3 and 1.0 by `A2A-Version`), and the agent card routes.

Streaming methods answer with SSE: each event is a JSON-RPC response with the request's id;
keep-alive comments go out every `KEEPALIVE_S` while a task works silently. A refusal before the
stream starts (unknown task, bad params) is a plain JSON-RPC error, not a stream.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from omniroute_agent import json_codec
from omniroute_agent.a2a.errors import INVALID_PARAMS, VERSION_NOT_SUPPORTED, A2AError
from omniroute_agent.a2a.methods import SUPPORTED_VERSIONS, CallContext, dispatch, streaming_call, table
from omniroute_agent.server.state import api_key_id_of, request_id_of, runtime_of

KEEPALIVE_S = 15


def _error(rpc_id: Any, code: int, message: str) -> Response:
    body = {"jsonrpc": "2.0", "id": rpc_id, "error": {"code": code, "message": message}}
    return Response(json.dumps(body), media_type="application/json")


def _request_id(body: str) -> Any:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return parsed.get("id") if isinstance(parsed, dict) else None


async def a2a_endpoint(request: Request) -> Response:
    runtime = runtime_of(request)
    body = (await request.body()).decode("utf-8", "replace")
    asked = request.headers.get("a2a-version", "0.3").strip() or "0.3"
    version = SUPPORTED_VERSIONS.get(asked)
    if version is None:
        return _error(
            _request_id(body), VERSION_NOT_SUPPORTED, f"A2A version '{asked}' is not supported (supported: 0.3, 1.0)"
        )
    ctx = CallContext(
        runtime.tasks,
        request_id_of(request),
        owner=api_key_id_of(request),
        push=request.app.state.push,
        card=request.app.state.extended_card,
    )
    call = streaming_call(body, version)
    if call is not None:
        return await _stream(ctx, version, *call)
    answer = await dispatch(body, ctx, version)
    if not answer:  # a notification: JSON-RPC sends nothing back
        return Response(status_code=204)
    return Response(answer, media_type="application/json")


async def _stream(ctx: CallContext, version: str, rpc_id: Any, method: str, params: dict[str, Any]) -> Response:
    if "__invalid__" in params:
        return _error(rpc_id, INVALID_PARAMS, "params must be an object")
    try:
        events = await table(version)[1][method](ctx, params)
    except A2AError as exc:
        return _error(rpc_id, exc.code, exc.message)

    async def frames() -> AsyncIterator[dict[str, str]]:
        try:
            async for event in events:
                yield {"data": json_codec.dumps_str({"jsonrpc": "2.0", "id": rpc_id, "result": event})}
        except A2AError as exc:
            error = {"code": exc.code, "message": exc.message}
            yield {"data": json.dumps({"jsonrpc": "2.0", "id": rpc_id, "error": error})}

    return EventSourceResponse(frames(), ping=KEEPALIVE_S)


async def agent_card(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.card)
