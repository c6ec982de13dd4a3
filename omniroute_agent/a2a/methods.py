"""The A2A JSON-RPC method table and its dispatch (jsonrpcserver does the JSON-RPC envelope).

Each method validates its params with the wire model, calls the engine and returns the wire
JSON. Errors: bad params → -32602, engine errors keep their A2A code, a gateway error inside a
skill fails the task (it is not a protocol error).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonrpcserver import Error, InvalidParams, Result, Success, async_dispatch
from pydantic import ValidationError

from omniroute_agent.a2a.engine import TaskEngine
from omniroute_agent.a2a.errors import A2AError
from omniroute_agent.a2a.types import MessageSendParams, TaskQueryParams


@dataclass(frozen=True, slots=True)
class CallContext:
    engine: TaskEngine
    request_id: str


async def message_send(ctx: CallContext, **params: Any) -> Result:
    try:
        parsed = MessageSendParams.model_validate(params)
        task = await ctx.engine.send(parsed, request_id=ctx.request_id)
    except ValidationError as exc:
        return InvalidParams(_validation_summary(exc))
    except A2AError as exc:
        return Error(exc.code, exc.message, exc.data)
    return Success(task.wire())


async def tasks_get(ctx: CallContext, **params: Any) -> Result:
    try:
        parsed = TaskQueryParams.model_validate(params)
        task = await ctx.engine.get(parsed)
    except ValidationError as exc:
        return InvalidParams(_validation_summary(exc))
    except A2AError as exc:
        return Error(exc.code, exc.message, exc.data)
    return Success(task.wire())


METHODS = {
    "message/send": message_send,
    "tasks/get": tasks_get,
}


async def dispatch(body: str, ctx: CallContext) -> str:
    return await async_dispatch(body, methods=METHODS, context=ctx, serializer=json.dumps)


def _validation_summary(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors()[:5])
