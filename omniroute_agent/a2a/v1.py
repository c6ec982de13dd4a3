"""A2A 1.0 at the edge: pure conversions between the 1.0 ProtoJSON wire (package lf.a2a.v1) and the
0.3 models of `a2a.types`, which stay the one internal model.

Outputs are canonical ProtoJSON (camelCase, enum names, proto3 defaults left out), so a client's
`ParseDict` accepts them and its `MessageToDict` gives them back unchanged. Inputs are read the way
ProtoJSON parsers read them: camelCase or proto field names, enum names or numbers, integers as
numbers or strings, unknown fields ignored. A known field of the wrong shape raises
`A2AError(INVALID_PARAMS)` naming the field.

Where the versions differ:
- a 1.0 part is one-of text / data / url / raw with optional mediaType, filename and metadata;
  url and raw become a 0.3 FilePart (`file.uri` / `file.bytes`, mimeType, name);
- 1.0 `data` is any JSON value; a non-object is kept in 0.3 as `{"value": x}` with metadata
  `data_part_compat: true` (the a2a-sdk convention) and unwrapped again on the way out;
- 1.0 has no `final` on status events and no `blocking` (it has `returnImmediately`);
- a 1.0 push config is flat (`taskId`, `id`, `url`, `token`, `authentication{scheme}`): one scheme,
  so only the first of 0.3's `schemes` goes out;
- 0.3 task state "unknown" is TASK_STATE_UNSPECIFIED.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import ValidationError

from omniroute_agent.a2a.errors import INVALID_PARAMS, A2AError
from omniroute_agent.a2a.types import (
    Artifact,
    DataPart,
    FilePart,
    Message,
    MessageSendParams,
    Part,
    PushAuthentication,
    PushNotificationConfig,
    SendConfiguration,
    Task,
    TaskArtifactUpdateEvent,
    TaskPushNotificationConfig,
    TaskQueryParams,
    TaskState,
    TaskStatus,
    TaskStatusUpdateEvent,
    TextPart,
)

V1Json = dict[str, Any]
"""The ProtoJSON of one lf.a2a.v1 message (the function names which)."""

STATE_TO_V1: dict[str, str] = {  # in enum-number order: 0 is TASK_STATE_UNSPECIFIED
    "unknown": "TASK_STATE_UNSPECIFIED",
    "submitted": "TASK_STATE_SUBMITTED",
    "working": "TASK_STATE_WORKING",
    "completed": "TASK_STATE_COMPLETED",
    "failed": "TASK_STATE_FAILED",
    "canceled": "TASK_STATE_CANCELED",
    "input-required": "TASK_STATE_INPUT_REQUIRED",
    "rejected": "TASK_STATE_REJECTED",
    "auth-required": "TASK_STATE_AUTH_REQUIRED",
}
STATES: tuple[str, ...] = tuple(STATE_TO_V1.values())  # index = enum number
ROLES: tuple[str, ...] = ("ROLE_UNSPECIFIED", "ROLE_USER", "ROLE_AGENT")
STATE_FROM_V1: dict[str, TaskState] = {v: cast(TaskState, k) for k, v in STATE_TO_V1.items()}
DATA_COMPAT = "data_part_compat"
PART_CONTENT = ("text", "data", "url", "raw")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A 1.0 `ListTasks` request. `state` None lists every state; artifacts are left out unless asked."""

    context_id: str | None = None
    state: TaskState | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    page_token: str | None = None
    history_length: int | None = None
    status_timestamp_after: datetime | None = None
    include_artifacts: bool = False


@dataclass(frozen=True, slots=True)
class PushConfigRef:
    """`GetTaskPushNotificationConfig` / `DeleteTaskPushNotificationConfig` params (`id` is the config's)."""

    task_id: str
    config_id: str | None


# ---------------------------------------------------------------- 0.3 → 1.0


def part_to_v1(part: Part) -> V1Json:
    out: V1Json
    metadata = dict(part.metadata) if part.metadata is not None else None
    if isinstance(part, TextPart):
        out = {"text": part.text}
    elif isinstance(part, DataPart):
        wrapped = metadata is not None and bool(metadata.pop(DATA_COMPAT, False)) and "value" in part.data
        out = {"data": part.data["value"] if wrapped else part.data}
        if wrapped and not metadata:
            metadata = None
    elif "uri" in part.file:
        out = {"url": str(part.file["uri"])}
    else:
        raw = str(part.file.get("bytes", ""))
        out = {"raw": _b64_canonical(raw) or raw}
    keys = ("mimeType", "name") if isinstance(part, FilePart) else ("mediaType", "filename")
    fields = part.file if isinstance(part, FilePart) else part.model_extra or {}
    _put(out, "mediaType", _as_str(fields.get(keys[0])))
    _put(out, "filename", _as_str(fields.get(keys[1])))
    if metadata is not None:
        out["metadata"] = metadata
    return out


def message_to_v1(message: Message) -> V1Json:
    extra = message.model_extra or {}
    out: V1Json = {"messageId": message.message_id}
    _put(out, "contextId", message.context_id)
    _put(out, "taskId", message.task_id)
    out["role"] = "ROLE_USER" if message.role == "user" else "ROLE_AGENT"
    _put(out, "parts", [part_to_v1(p) for p in message.parts])
    if message.metadata is not None:
        out["metadata"] = message.metadata
    _put(out, "extensions", _as_strs(extra.get("extensions")))
    _put(out, "referenceTaskIds", _as_strs(extra.get("referenceTaskIds", extra.get("reference_task_ids"))))
    return out


def status_to_v1(status: TaskStatus) -> V1Json:
    out: V1Json = {}
    _put(out, "state", STATE_TO_V1[status.state] if status.state != "unknown" else None)
    if status.message is not None:
        out["message"] = message_to_v1(status.message)
    _put(out, "timestamp", _timestamp_canonical(status.timestamp))
    return out


def artifact_to_v1(artifact: Artifact) -> V1Json:
    extra = artifact.model_extra or {}
    out: V1Json = {"artifactId": artifact.artifact_id}
    _put(out, "name", artifact.name)
    _put(out, "description", _as_str(extra.get("description")))
    _put(out, "parts", [part_to_v1(p) for p in artifact.parts])
    if artifact.metadata is not None:
        out["metadata"] = artifact.metadata
    _put(out, "extensions", _as_strs(extra.get("extensions")))
    return out


def task_to_v1(task: Task) -> V1Json:
    """A Task; GetTask and CancelTask return it bare."""
    out: V1Json = {"id": task.id, "contextId": task.context_id, "status": status_to_v1(task.status)}
    _put(out, "artifacts", [artifact_to_v1(a) for a in task.artifacts])
    _put(out, "history", [message_to_v1(m) for m in task.history])
    if task.metadata is not None:
        out["metadata"] = task.metadata
    return out


def send_result_to_v1(task: Task) -> V1Json:
    """A SendMessageResponse; also the first StreamResponse of a stream."""
    return {"task": task_to_v1(task)}


def status_event_to_v1(event: TaskStatusUpdateEvent) -> V1Json:
    """A StreamResponse; 1.0 drops `final` (the state says it)."""
    body: V1Json = {"taskId": event.task_id, "contextId": event.context_id, "status": status_to_v1(event.status)}
    if event.metadata is not None:
        body["metadata"] = event.metadata
    return {"statusUpdate": body}


def artifact_event_to_v1(event: TaskArtifactUpdateEvent) -> V1Json:
    """A StreamResponse."""
    body: V1Json = {"taskId": event.task_id, "contextId": event.context_id, "artifact": artifact_to_v1(event.artifact)}
    _put(body, "append", event.append)
    _put(body, "lastChunk", event.last_chunk)
    if event.metadata is not None:
        body["metadata"] = event.metadata
    return {"artifactUpdate": body}


def stream_event_to_v1(event: Task | TaskStatusUpdateEvent | TaskArtifactUpdateEvent) -> V1Json:
    if isinstance(event, Task):
        return send_result_to_v1(event)
    if isinstance(event, TaskStatusUpdateEvent):
        return status_event_to_v1(event)
    return artifact_event_to_v1(event)


def push_config_to_v1(config: TaskPushNotificationConfig) -> V1Json:
    """A TaskPushNotificationConfig (flat in 1.0)."""
    push = config.push_notification_config
    out: V1Json = {}
    _put(out, "id", push.id)
    out["taskId"] = config.task_id
    out["url"] = push.url
    _put(out, "token", push.token)
    if push.authentication is not None:
        auth: V1Json = {}
        _put(auth, "scheme", push.authentication.schemes[0] if push.authentication.schemes else None)
        _put(auth, "credentials", push.authentication.credentials)
        out["authentication"] = auth
    return out


def push_config_list_to_v1(configs: Sequence[TaskPushNotificationConfig], next_token: str | None = None) -> V1Json:
    """A ListTaskPushNotificationConfigsResponse."""
    out: V1Json = {}
    _put(out, "configs", [push_config_to_v1(c) for c in configs])
    _put(out, "nextPageToken", next_token)
    return out


def list_tasks_result_to_v1(
    tasks: Sequence[Task],
    next_token: str | None,
    total: int,
    *,
    page_size: int | None = None,
    include_artifacts: bool = True,
) -> V1Json:
    """A ListTasksResponse; every field present, as the a2a-sdk server sends it. `page_size` defaults
    to the number of tasks on this page; `include_artifacts=False` leaves artifacts out."""
    kept = tasks if include_artifacts else [t.model_copy(update={"artifacts": []}) for t in tasks]
    return {
        "tasks": [task_to_v1(t) for t in kept],
        "nextPageToken": next_token or "",
        "pageSize": len(tasks) if page_size is None else page_size,
        "totalSize": total,
    }


# ---------------------------------------------------------------- 1.0 → 0.3


def part_from_v1(d: Any, where: str = "part") -> Part:
    part = _object(d, where)
    present = [k for k in PART_CONTENT if (k == "data" and k in part) or _field(part, k) is not None]
    if len(present) != 1:
        got = " and ".join(present) or "none"
        raise _bad(f"{where}: a part needs exactly one of text, data, url, raw (got {got})")
    kind = present[0]
    metadata = _opt_object(part, "metadata", where)
    media_type = _opt_str(part, "mediaType", where)
    filename = _opt_str(part, "filename", where)
    if kind in ("url", "raw"):
        file: V1Json = {"uri": _opt_str(part, "url", where)} if kind == "url" else {"bytes": _raw(part, where)}
        _put(file, "mimeType", media_type)
        _put(file, "name", filename)
        return FilePart(kind="file", file=file, metadata=metadata)
    wire: V1Json = {"kind": kind, "metadata": metadata}
    _put(wire, "mediaType", media_type)
    _put(wire, "filename", filename)
    if kind == "text":
        return TextPart.model_validate({**wire, "text": _opt_str(part, "text", where)})
    data = part["data"]
    if not isinstance(data, dict):
        data = {"value": data}
        wire["metadata"] = {**(metadata or {}), DATA_COMPAT: True}
    return DataPart.model_validate({**wire, "data": data})


def message_from_v1(d: Any, where: str = "message") -> Message:
    msg = _object(d, where)
    message_id = _required(msg, "messageId", where)
    parts = _field(msg, "parts")
    if not isinstance(parts, list) or not parts:
        raise _bad(f"{where}.parts must be a non-empty list of parts")
    wire: V1Json = {
        "messageId": message_id,
        "role": _role(_field(msg, "role"), where),
        "parts": [part_from_v1(p, f"{where}.parts[{i}]") for i, p in enumerate(parts)],
    }
    _put(wire, "contextId", _opt_str(msg, "contextId", where))
    _put(wire, "taskId", _opt_str(msg, "taskId", where))
    _put(wire, "metadata", _opt_object(msg, "metadata", where), keep_empty=True)
    _put(wire, "extensions", _opt_str_list(msg, "extensions", where))
    _put(wire, "referenceTaskIds", _opt_str_list(msg, "referenceTaskIds", where))
    try:
        return Message.model_validate(wire)
    except ValidationError as exc:  # the checks above leave little to fail here
        first = exc.errors()[0]
        raise _bad(f"{where}.{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def send_params_from_v1(params: Any) -> MessageSendParams:
    """SendMessage / SendStreamingMessage params (a SendMessageRequest; `tenant` is ignored)."""
    req = _object(params, "params")
    if _field(req, "message") is None:
        raise _bad("params.message is required")
    message = message_from_v1(_field(req, "message"), "params.message")
    configuration = None
    config = _opt_object(req, "configuration", "params")
    if config is not None:
        where = "params.configuration"
        push = _opt_object(config, "taskPushNotificationConfig", where)
        push_where = f"{where}.taskPushNotificationConfig"
        configuration = SendConfiguration(
            blocking=not _opt_bool(config, "returnImmediately", where),
            history_length=_opt_count(config, "historyLength", where),
            accepted_output_modes=_opt_str_list(config, "acceptedOutputModes", where),
            push_notification_config=None if push is None else _push_from_v1(push, push_where),
        )
    metadata = _opt_object(req, "metadata", "params")
    return MessageSendParams(message=message, configuration=configuration, metadata=metadata)


def task_query_from_v1(params: Any) -> TaskQueryParams:
    """GetTask, CancelTask and SubscribeToTask params: `id`, GetTask's `historyLength`, CancelTask's `metadata`."""
    req = _object(params, "params")
    return TaskQueryParams(
        id=_required(req, "id", "params"),
        history_length=_opt_count(req, "historyLength", "params"),
        metadata=_opt_object(req, "metadata", "params"),
    )


def push_config_from_v1(params: Any) -> TaskPushNotificationConfig:
    """CreateTaskPushNotificationConfig params (a TaskPushNotificationConfig; `tenant` is ignored)."""
    req = _object(params, "params")
    task_id = _required(req, "taskId", "params")
    return TaskPushNotificationConfig(task_id=task_id, push_notification_config=_push_from_v1(req, "params"))


def push_config_ref_from_v1(params: Any) -> PushConfigRef:
    """Get/Delete/ListTaskPushNotificationConfig(s) params: `taskId` and, but for List, the config `id`."""
    req = _object(params, "params")
    return PushConfigRef(_required(req, "taskId", "params"), _opt_str(req, "id", "params") or None)


def list_tasks_params_from_v1(params: Any) -> ListQuery:
    """ListTasks params (a ListTasksRequest; `tenant` is ignored)."""
    req = _object(params, "params")
    page_size = _opt_int(req, "pageSize", "params")
    if page_size is not None and not 1 <= page_size <= MAX_PAGE_SIZE:
        raise _bad(f"params.pageSize must be between 1 and {MAX_PAGE_SIZE}")
    after = _opt_str(req, "statusTimestampAfter", "params")
    return ListQuery(
        context_id=_opt_str(req, "contextId", "params") or None,
        state=_state(_field(req, "status"), "params.status"),
        page_size=DEFAULT_PAGE_SIZE if page_size is None else page_size,
        page_token=_opt_str(req, "pageToken", "params") or None,
        history_length=_opt_count(req, "historyLength", "params"),
        status_timestamp_after=None if after is None else _timestamp(after, "params.statusTimestampAfter"),
        include_artifacts=bool(_opt_bool(req, "includeArtifacts", "params")),
    )


# ---------------------------------------------------------------- helpers


def _bad(message: str) -> A2AError:
    return A2AError(INVALID_PARAMS, message)


def _put(out: V1Json, key: str, value: Any, *, keep_empty: bool = False) -> None:
    """Sets `key` unless `value` is a proto3 default (None, "", False, []); `keep_empty` keeps {}."""
    if value or (keep_empty and value is not None):
        out[key] = value


def _as_str(value: Any) -> str | None:
    """A string kept from a 0.3 extra field, which nothing validated; None (left out) if it is not one."""
    return value if isinstance(value, str) else None


def _as_strs(value: Any) -> list[str] | None:
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", r"_\1", name).lower()


def _field(d: V1Json, name: str) -> Any:
    """A field by its JSON name or, as ProtoJSON parsers allow, its proto name."""
    return d[name] if name in d else d.get(_snake(name))


def _object(value: Any, where: str) -> V1Json:
    if not isinstance(value, dict):
        raise _bad(f"{where} must be an object")
    return value


def _opt_object(d: V1Json, name: str, where: str) -> V1Json | None:
    value = _field(d, name)
    return None if value is None else _object(value, f"{where}.{name}")


def _opt_str(d: V1Json, name: str, where: str) -> str | None:
    value = _field(d, name)
    if value is not None and not isinstance(value, str):
        raise _bad(f"{where}.{name} must be a string")
    return value


def _required(d: V1Json, name: str, where: str) -> str:
    value = _opt_str(d, name, where)
    if not value:
        raise _bad(f"{where}.{name} is required")
    return value


def _opt_bool(d: V1Json, name: str, where: str) -> bool | None:
    value = _field(d, name)
    if value is not None and not isinstance(value, bool):
        raise _bad(f"{where}.{name} must be a boolean")
    return value


def _opt_int(d: V1Json, name: str, where: str) -> int | None:
    """An int32: a JSON number with no fraction or a decimal string, as ProtoJSON reads it."""
    value = _field(d, name)
    if value is None:
        return None
    integral = isinstance(value, float) and value.is_integer()
    if integral or (isinstance(value, str) and re.fullmatch(r"-?\d+", value)):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not -(2**31) <= value < 2**31:
        raise _bad(f"{where}.{name} must be an integer")
    return value


def _opt_count(d: V1Json, name: str, where: str) -> int | None:
    value = _opt_int(d, name, where)
    if value is not None and value < 0:
        raise _bad(f"{where}.{name} must not be negative")
    return value


def _opt_str_list(d: V1Json, name: str, where: str) -> list[str] | None:
    value = _field(d, name)
    if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        raise _bad(f"{where}.{name} must be a list of strings")
    return value


def _enum(value: Any, names: tuple[str, ...], where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return names[value]
    if value in names:
        return cast(str, value)
    raise _bad(f"{where}: unknown value {value!r} (one of {', '.join(names[1:])})")


def _role(value: Any, where: str) -> str:
    role = _enum(ROLES[0] if value is None else value, ROLES, f"{where}.role")
    if role == "ROLE_UNSPECIFIED":
        raise _bad(f"{where}.role is required (ROLE_USER or ROLE_AGENT)")
    return "user" if role == "ROLE_USER" else "agent"


def _state(value: Any, where: str) -> TaskState | None:
    state = _enum(STATES[0] if value is None else value, STATES, where)
    return None if state == "TASK_STATE_UNSPECIFIED" else STATE_FROM_V1[state]


def _raw(part: V1Json, where: str) -> str:
    """A bytes field: standard or URL-safe base64, padded or not, as ProtoJSON reads it."""
    value = _opt_str(part, "raw", where)
    canonical = _b64_canonical(value or "")
    if canonical is None:
        raise _bad(f"{where}.raw must be base64")
    return canonical


def _b64_canonical(value: str) -> str | None:
    """Standard padded base64 of `value` read leniently (URL-safe alphabet, padding optional)."""
    text = value.replace("-", "+").replace("_", "/")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(data).decode("ascii")


def _timestamp(value: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _bad(f"{where} must be an RFC 3339 timestamp") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _timestamp_canonical(value: str) -> str | None:
    """A google.protobuf.Timestamp as ProtoJSON writes it: UTC, "Z", 0, 3 or 6 fraction digits.
    None (left out) when the stored value is not a timestamp."""
    try:
        ts = _timestamp(value, "timestamp")
    except A2AError:
        return None
    text = ts.strftime("%Y-%m-%dT%H:%M:%S")
    if ts.microsecond % 1000:
        text += f".{ts.microsecond:06d}"
    elif ts.microsecond:
        text += f".{ts.microsecond // 1000:03d}"
    return text + "Z"


def _push_from_v1(d: V1Json, where: str) -> PushNotificationConfig:
    url = _required(d, "url", where)
    auth = _opt_object(d, "authentication", where)
    authentication = None
    if auth is not None:
        scheme = _opt_str(auth, "scheme", f"{where}.authentication")
        credentials = _opt_str(auth, "credentials", f"{where}.authentication")
        authentication = PushAuthentication(schemes=[scheme] if scheme else [], credentials=credentials or None)
    return PushNotificationConfig(
        id=_opt_str(d, "id", where) or None,
        url=url,
        token=_opt_str(d, "token", where) or None,
        authentication=authentication,
    )
