"""The A2A JSON-RPC method tables, one per protocol version, over one engine.

`A2A-Version` decides the table (missing means 0.3; an unknown version is -32009). Unary methods
go through jsonrpcserver; the streaming ones (`message/stream`, `tasks/resubscribe`,
`SendStreamingMessage`, `SubscribeToTask`) are answered by the endpoint as SSE, each event a
JSON-RPC response carrying the request's id. The 1.0 tables convert at the edge (`a2a/v1.py`);
the engine and its store speak the 0.3 model.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from jsonrpcserver import Error, InvalidParams, Result, Success, async_dispatch
from pydantic import BaseModel, ValidationError

from omniroute_agent.a2a.engine import TaskEngine
from omniroute_agent.a2a.errors import (
    EXTENDED_CARD_NOT_CONFIGURED,
    INVALID_PARAMS,
    PUSH_NOT_SUPPORTED,
    A2AError,
)
from omniroute_agent.a2a.types import (
    MessageSendParams,
    PushNotificationConfig,
    Task,
    TaskEvent,
    TaskPushNotificationConfig,
    TaskQueryParams,
    Wire,
)

SUPPORTED_VERSIONS = {"0.3": "0.3", "0.3.0": "0.3", "1.0": "1.0", "1": "1.0", "1.0.0": "1.0"}


class TaskIdParams(Wire):
    id: str
    metadata: dict[str, Any] | None = None


class PushConfigParams(Wire):
    id: str
    push_notification_config_id: str | None = None
    metadata: dict[str, Any] | None = None


@dataclass
class CallContext:
    engine: TaskEngine
    request_id: str
    owner: str | None = None
    push: Any = None  # a2a.push.PushSender, when push notifications are on
    card: dict[str, Any] = field(default_factory=dict)


def _parse(model: type[BaseModel], params: dict[str, Any]) -> Any:
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        summary = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors()[:5])
        raise A2AError(INVALID_PARAMS, summary) from None


def _method(body: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Result]]:
    """A method body raising A2AError, made a jsonrpcserver method returning Success or Error."""

    async def method(ctx: CallContext, **params: Any) -> Result:
        try:
            return Success(await body(ctx, params))
        except A2AError as exc:
            if exc.code == INVALID_PARAMS:
                return InvalidParams(exc.message)
            return Error(exc.code, exc.message, exc.data)

    return method


def _push(ctx: CallContext) -> Any:
    if ctx.push is None:
        raise A2AError(PUSH_NOT_SUPPORTED, "push notifications are disabled on this agent")
    return ctx.push


# ---------------------------------------------------------------- 0.3


async def _send(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    parsed: MessageSendParams = _parse(MessageSendParams, params)
    task = await ctx.engine.send(parsed, request_id=ctx.request_id, owner=ctx.owner)
    await _set_push_from_configuration(ctx, parsed, task, "0.3")
    return task.wire()


async def _set_push_from_configuration(ctx: CallContext, params: MessageSendParams, task: Task, protocol: str) -> None:
    config = params.configuration.push_notification_config if params.configuration else None
    if config is not None:
        await _push(ctx).set_config(task.id, config, protocol=protocol, owner=ctx.owner)


async def _get(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    return (await ctx.engine.get(_parse(TaskQueryParams, params), owner=ctx.owner)).wire()


async def _cancel(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    return (await ctx.engine.cancel(_parse(TaskIdParams, params).id, owner=ctx.owner)).wire()


async def _push_set(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    parsed: TaskPushNotificationConfig = _parse(TaskPushNotificationConfig, params)
    await ctx.engine.get(TaskQueryParams(id=parsed.task_id), owner=ctx.owner)
    config = await _push(ctx).set_config(
        parsed.task_id, parsed.push_notification_config, protocol="0.3", owner=ctx.owner
    )
    return TaskPushNotificationConfig(task_id=parsed.task_id, push_notification_config=config).wire()


async def _push_get(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    parsed: PushConfigParams = _parse(PushConfigParams, params)
    await ctx.engine.get(TaskQueryParams(id=parsed.id), owner=ctx.owner)
    config: PushNotificationConfig = await _push(ctx).get_config(
        parsed.id, parsed.push_notification_config_id, owner=ctx.owner
    )
    return TaskPushNotificationConfig(task_id=parsed.id, push_notification_config=config).wire()


async def _push_list(ctx: CallContext, params: dict[str, Any]) -> list[dict[str, Any]]:
    parsed: TaskIdParams = _parse(TaskIdParams, params)
    await ctx.engine.get(TaskQueryParams(id=parsed.id), owner=ctx.owner)
    configs: list[PushNotificationConfig] = await _push(ctx).list_configs(parsed.id, owner=ctx.owner)
    return [TaskPushNotificationConfig(task_id=parsed.id, push_notification_config=c).wire() for c in configs]


async def _push_delete(ctx: CallContext, params: dict[str, Any]) -> None:
    parsed: PushConfigParams = _parse(PushConfigParams, params)
    await ctx.engine.get(TaskQueryParams(id=parsed.id), owner=ctx.owner)
    await _push(ctx).delete_config(parsed.id, parsed.push_notification_config_id or "", owner=ctx.owner)


async def _extended_card(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if not ctx.card:
        raise A2AError(EXTENDED_CARD_NOT_CONFIGURED, "this agent has no extended card")
    return ctx.card


METHODS_03 = {
    "message/send": _method(_send),
    "tasks/get": _method(_get),
    "tasks/cancel": _method(_cancel),
    "tasks/pushNotificationConfig/set": _method(_push_set),
    "tasks/pushNotificationConfig/get": _method(_push_get),
    "tasks/pushNotificationConfig/list": _method(_push_list),
    "tasks/pushNotificationConfig/delete": _method(_push_delete),
    "agent/getAuthenticatedExtendedCard": _method(_extended_card),
}


async def _stream_03(ctx: CallContext, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    parsed: MessageSendParams = _parse(MessageSendParams, params)
    events = await ctx.engine.stream(parsed, request_id=ctx.request_id, owner=ctx.owner)
    return _wire_events(events)


async def _resubscribe_03(ctx: CallContext, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    return _wire_events(await ctx.engine.resubscribe(_parse(TaskIdParams, params).id, owner=ctx.owner))


async def _wire_events(events: AsyncIterator[Task | TaskEvent]) -> AsyncIterator[dict[str, Any]]:
    async for event in events:
        yield event.wire()


STREAMING_03 = {"message/stream": _stream_03, "tasks/resubscribe": _resubscribe_03}


# ---------------------------------------------------------------- dispatch


def table(version: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(unary methods, streaming methods) of a protocol version."""
    if version == "1.0":
        from omniroute_agent.a2a.methods_v1 import METHODS_10, STREAMING_10

        return METHODS_10, STREAMING_10
    return METHODS_03, STREAMING_03


async def dispatch(body: str, ctx: CallContext, version: str = "0.3") -> str:
    methods, _ = table(version)
    return await async_dispatch(body, methods=methods, context=ctx, serializer=json.dumps)


def streaming_call(body: str, version: str) -> tuple[Any, str, dict[str, Any]] | None:
    """(request id, method, params) when `body` is a well-formed call of a streaming method."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if not isinstance(parsed, dict) or parsed.get("jsonrpc") != "2.0" or "id" not in parsed:
        return None
    method = parsed.get("method")
    if method not in table(version)[1]:
        return None
    params = parsed.get("params", {})
    return parsed["id"], str(method), params if isinstance(params, dict) else {"__invalid__": params}
