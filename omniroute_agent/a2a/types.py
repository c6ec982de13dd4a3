"""A2A 0.3 wire types (JSON-RPC binding), camelCase on the wire, validated at the boundary."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

TaskState = Literal[
    "submitted",
    "working",
    "input-required",
    "completed",
    "canceled",
    "failed",
    "rejected",
    "auth-required",
    "unknown",
]
TERMINAL_STATES: frozenset[str] = frozenset({"completed", "canceled", "failed", "rejected"})


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class TextPart(Wire):
    kind: Literal["text"] = "text"
    text: str
    metadata: dict[str, Any] | None = None


class FilePart(Wire):
    kind: Literal["file"]
    file: dict[str, Any]
    metadata: dict[str, Any] | None = None


class DataPart(Wire):
    kind: Literal["data"]
    data: dict[str, Any]
    metadata: dict[str, Any] | None = None


Part = Annotated[TextPart | FilePart | DataPart, Field(discriminator="kind")]


class Message(Wire):
    kind: Literal["message"] = "message"
    role: Literal["user", "agent"]
    parts: Annotated[list[Part], Field(min_length=1)]
    message_id: str
    task_id: str | None = None
    context_id: str | None = None
    metadata: dict[str, Any] | None = None


class TaskStatus(Wire):
    state: TaskState
    timestamp: str
    message: Message | None = None


class Artifact(Wire):
    artifact_id: str
    name: str | None = None
    parts: list[Part]
    metadata: dict[str, Any] | None = None


class Task(Wire):
    kind: Literal["task"] = "task"
    id: str
    context_id: str
    status: TaskStatus
    artifacts: list[Artifact] = []
    history: list[Message] = []
    metadata: dict[str, Any] | None = None


class PushAuthentication(Wire):
    schemes: list[str] = []
    credentials: str | None = None


class PushNotificationConfig(Wire):
    id: str | None = None
    url: Annotated[str, Field(min_length=1)]
    token: str | None = None
    authentication: PushAuthentication | None = None


class TaskPushNotificationConfig(Wire):
    task_id: str
    push_notification_config: PushNotificationConfig


class SendConfiguration(Wire):
    blocking: bool | None = None
    history_length: Annotated[int, Field(ge=0)] | None = None
    accepted_output_modes: list[str] | None = None
    push_notification_config: PushNotificationConfig | None = None


class TaskStatusUpdateEvent(Wire):
    kind: Literal["status-update"] = "status-update"
    task_id: str
    context_id: str
    status: TaskStatus
    final: bool
    metadata: dict[str, Any] | None = None


class TaskArtifactUpdateEvent(Wire):
    kind: Literal["artifact-update"] = "artifact-update"
    task_id: str
    context_id: str
    artifact: Artifact
    append: bool | None = None
    last_chunk: bool | None = None
    metadata: dict[str, Any] | None = None


TaskEvent = TaskStatusUpdateEvent | TaskArtifactUpdateEvent


class MessageSendParams(Wire):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    message: Message
    configuration: SendConfiguration | None = None
    metadata: dict[str, Any] | None = None


class TaskQueryParams(Wire):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")
    id: Annotated[str, Field(min_length=1)]
    history_length: Annotated[int, Field(ge=0)] | None = None
    metadata: dict[str, Any] | None = None


def message_text(message: Message) -> str:
    return "\n".join(p.text for p in message.parts if isinstance(p, TextPart))


def trim_history(task: Task, history_length: int | None) -> Task:
    if history_length is None:
        return task
    kept = task.history[-history_length:] if history_length else []
    return task.model_copy(update={"history": kept})
