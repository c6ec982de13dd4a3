"""The A2A 1.0 method table: the same engine as 0.3, with 1.0 shapes converted at the edge
(`a2a/v1.py`): ProtoJSON camelCase, `ROLE_*` and `TASK_STATE_*`, one-of parts, results wrapped
as `{task}`, stream events as `{statusUpdate}` / `{artifactUpdate}`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from omniroute_agent.a2a import v1
from omniroute_agent.a2a.engine import ListQuery
from omniroute_agent.a2a.errors import EXTENDED_CARD_NOT_CONFIGURED, A2AError
from omniroute_agent.a2a.methods import CallContext, _method, _push
from omniroute_agent.a2a.types import (
    PushNotificationConfig,
    Task,
    TaskEvent,
    TaskPushNotificationConfig,
    TaskQueryParams,
)


async def _send(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    parsed = v1.send_params_from_v1(params)
    task = await ctx.engine.send(parsed, request_id=ctx.request_id, owner=ctx.owner)
    config = parsed.configuration.push_notification_config if parsed.configuration else None
    if config is not None:
        await _push(ctx).set_config(task.id, config, protocol="1.0", owner=ctx.owner)
    return v1.send_result_to_v1(task)


async def _get(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    return v1.task_to_v1(await ctx.engine.get(v1.task_query_from_v1(params), owner=ctx.owner))


async def _list(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    query = v1.list_tasks_params_from_v1(params)
    offset = int(query.page_token) if query.page_token and query.page_token.isdigit() else 0
    tasks = await ctx.engine.list(
        ListQuery(context_id=query.context_id, state=query.state, owner=ctx.owner, limit=offset + query.page_size + 1)
    )
    if (after := query.status_timestamp_after) is not None:
        tasks = [t for t in tasks if datetime.fromisoformat(t.status.timestamp.replace("Z", "+00:00")) > after]
    page = tasks[offset : offset + query.page_size]
    if query.history_length is not None:
        keep = query.history_length
        page = [t.model_copy(update={"history": t.history[-keep:] if keep else []}) for t in page]
    more = len(tasks) > offset + query.page_size
    return v1.list_tasks_result_to_v1(
        page,
        str(offset + query.page_size) if more else None,
        len(tasks),
        page_size=query.page_size,
        include_artifacts=query.include_artifacts,
    )


async def _cancel(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    return v1.task_to_v1(await ctx.engine.cancel(v1.task_query_from_v1(params).id, owner=ctx.owner))


async def _push_create(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    parsed = v1.push_config_from_v1(params)
    await ctx.engine.get(_task_query(parsed.task_id), owner=ctx.owner)
    config = await _push(ctx).set_config(
        parsed.task_id, parsed.push_notification_config, protocol="1.0", owner=ctx.owner
    )
    return v1.push_config_to_v1(TaskPushNotificationConfig(task_id=parsed.task_id, push_notification_config=config))


async def _push_get(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ref = v1.push_config_ref_from_v1(params)
    await ctx.engine.get(_task_query(ref.task_id), owner=ctx.owner)
    config: PushNotificationConfig = await _push(ctx).get_config(ref.task_id, ref.config_id, owner=ctx.owner)
    return v1.push_config_to_v1(TaskPushNotificationConfig(task_id=ref.task_id, push_notification_config=config))


async def _push_list(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ref = v1.push_config_ref_from_v1(params)
    await ctx.engine.get(_task_query(ref.task_id), owner=ctx.owner)
    configs: list[PushNotificationConfig] = await _push(ctx).list_configs(ref.task_id, owner=ctx.owner)
    return v1.push_config_list_to_v1(
        [TaskPushNotificationConfig(task_id=ref.task_id, push_notification_config=c) for c in configs]
    )


async def _push_delete(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    ref = v1.push_config_ref_from_v1(params)
    await ctx.engine.get(_task_query(ref.task_id), owner=ctx.owner)
    await _push(ctx).delete_config(ref.task_id, ref.config_id or "", owner=ctx.owner)
    return {}


async def _extended_card(ctx: CallContext, params: dict[str, Any]) -> dict[str, Any]:
    if not ctx.card:
        raise A2AError(EXTENDED_CARD_NOT_CONFIGURED, "this agent has no extended card")
    return ctx.card


def _task_query(task_id: str) -> TaskQueryParams:
    return TaskQueryParams(id=task_id)


METHODS_10 = {
    "SendMessage": _method(_send),
    "GetTask": _method(_get),
    "ListTasks": _method(_list),
    "CancelTask": _method(_cancel),
    "CreateTaskPushNotificationConfig": _method(_push_create),
    "GetTaskPushNotificationConfig": _method(_push_get),
    "ListTaskPushNotificationConfigs": _method(_push_list),
    "DeleteTaskPushNotificationConfig": _method(_push_delete),
    "GetExtendedAgentCard": _method(_extended_card),
}


async def _stream(ctx: CallContext, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    events = await ctx.engine.stream(v1.send_params_from_v1(params), request_id=ctx.request_id, owner=ctx.owner)
    return _v1_events(events)


async def _subscribe(ctx: CallContext, params: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    return _v1_events(await ctx.engine.resubscribe(v1.task_query_from_v1(params).id, owner=ctx.owner))


async def _v1_events(events: AsyncIterator[Task | TaskEvent]) -> AsyncIterator[dict[str, Any]]:
    async for event in events:
        yield v1.stream_event_to_v1(event)


STREAMING_10 = {"SendStreamingMessage": _stream, "SubscribeToTask": _subscribe}
