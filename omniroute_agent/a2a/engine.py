"""The task engine: a task's every state change and artifact is stored before anyone sees it.

    submitted → working → completed | failed | canceled
                        ↘ input-required → (a follow-up message with the taskId) → working …

`send` stores the task as submitted (with its owner, the caller's key id, when the surface passes
one), picks the skill (message or request metadata `skill`, else the default), stores `working`,
runs the skill and stores the terminal or interrupted state with its artifact. Each change is
persisted, then published to the task's subscribers (streams, resubscriptions) and to its push
notification webhooks. A blocking send returns at a terminal or interrupted state; a
non-blocking one returns at `submitted`. `stream` yields the task, then every event as it is
stored, artifact chunks included as the model's tokens arrive. `cancel` stops the skill and its
upstream call. Runs still going at shutdown are awaited, so no task is left half written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from omniroute_agent.a2a.errors import (
    CONTENT_TYPE_NOT_SUPPORTED,
    INVALID_PARAMS,
    TASK_NOT_CANCELABLE,
    TASK_NOT_FOUND,
    UNSUPPORTED_OPERATION,
    A2AError,
)
from omniroute_agent.a2a.skill import InputRequired, Skill, SkillRequest, SkillResult
from omniroute_agent.a2a.types import (
    TERMINAL_STATES,
    Artifact,
    DataPart,
    Message,
    MessageSendParams,
    Task,
    TaskArtifactUpdateEvent,
    TaskEvent,
    TaskQueryParams,
    TaskState,
    TaskStatus,
    TaskStatusUpdateEvent,
    TextPart,
    message_text,
    trim_history,
)
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.errors import GatewayError
from omniroute_agent.store.base import Store, TaskRow

log = logging.getLogger("omniroute.a2a")

DEFAULT_SKILL = "smart-routing"
INTERRUPTED_STATES = frozenset({"input-required", "auth-required"})
Notify = Callable[[Task], Awaitable[None]]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True)
class ListQuery:
    context_id: str | None = None
    state: str | None = None
    skill: str | None = None
    owner: str | None = None
    limit: int = 50


class TaskEngine:
    def __init__(
        self, store: Store, gateway: Gateway, skills: dict[str, Skill], *, notify: Notify | None = None
    ) -> None:
        self._store = store
        self._gateway = gateway
        self.skills = skills
        self.notify = notify
        self._runs: dict[str, asyncio.Task[Task]] = {}
        self._subscribers: dict[str, set[asyncio.Queue[TaskEvent]]] = {}
        self._skill_of_task: dict[str, str] = {}
        self.last_task_id: str | None = None

    # ---------------------------------------------------------------- the protocol operations

    async def send(self, params: MessageSendParams, *, request_id: str, owner: str | None = None) -> Task:
        task, skill_id, request = await self._accept(params, request_id, owner, streaming=False)
        run = self._start(task, skill_id, request)
        history_length = params.configuration.history_length if params.configuration else None
        if params.configuration is not None and params.configuration.blocking is False:
            return trim_history(task, history_length)
        return trim_history(await asyncio.shield(run), history_length)

    async def stream(
        self, params: MessageSendParams, *, request_id: str, owner: str | None = None
    ) -> AsyncIterator[Task | TaskEvent]:
        task, skill_id, request = await self._accept(params, request_id, owner, streaming=True)
        queue = self._subscribe(task.id)
        self._start(task, skill_id, request)
        return self._follow(task, queue)

    async def resubscribe(self, task_id: str, *, owner: str | None = None) -> AsyncIterator[Task | TaskEvent]:
        task = await self._load(task_id, owner)
        queue = self._subscribe(task.id)
        if task.status.state in TERMINAL_STATES | INTERRUPTED_STATES and task.id not in self._runs:
            self._unsubscribe(task.id, queue)
            return _once(task)
        return self._follow(task, queue)

    async def get(self, params: TaskQueryParams, *, owner: str | None = None) -> Task:
        return trim_history(await self._load(params.id, owner), params.history_length)

    async def cancel(self, task_id: str, *, owner: str | None = None) -> Task:
        task = await self._load(task_id, owner)
        if task.status.state in TERMINAL_STATES:
            raise A2AError(TASK_NOT_CANCELABLE, f"task '{task_id}' is already {task.status.state}")
        run = self._runs.get(task_id)
        if run is not None:
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                return await asyncio.shield(run)
        return await self._transition(task, self._skill_of_task.get(task_id, DEFAULT_SKILL), "canceled")

    async def list(self, query: ListQuery) -> list[Task]:
        rows = await self._store.list_tasks(owner=query.owner, skill=query.skill, limit=max(query.limit * 4, 200))
        tasks = [Task.model_validate(r.body) for r in rows]
        if query.context_id:
            tasks = [t for t in tasks if t.context_id == query.context_id]
        if query.state:
            tasks = [t for t in tasks if t.status.state == query.state]
        return tasks[: query.limit]

    def active_streams(self) -> int:
        return sum(len(queues) for queues in self._subscribers.values())

    def running(self) -> int:
        return len(self._runs)

    async def close(self) -> None:
        """Lets runs still going finish (they end in a stored terminal or interrupted state)."""
        if self._runs:
            await asyncio.gather(*self._runs.values(), return_exceptions=True)

    # ---------------------------------------------------------------- accepting a message

    async def _accept(
        self, params: MessageSendParams, request_id: str, owner: str | None, *, streaming: bool
    ) -> tuple[Task, str, SkillRequest]:
        message = params.message
        if message.task_id:
            task = await self._continue(message, owner)
            skill_id = self._skill_of_task.get(task.id) or (await self._stored_skill(task.id))
        else:
            skill_id = _skill_of(params)
            context_id = message.context_id or str(uuid.uuid4())
            task_id = str(uuid.uuid4())
            stamped = message.model_copy(update={"task_id": task_id, "context_id": context_id})
            task = Task(
                id=task_id,
                context_id=context_id,
                status=TaskStatus(state="submitted", timestamp=now_iso()),
                history=[stamped],
            )
        _check_output_modes(params)
        skill = self.skills.get(skill_id)
        if skill is None:
            raise A2AError(INVALID_PARAMS, f"unknown skill '{skill_id}' (skills: {', '.join(sorted(self.skills))})")
        metadata = {**(params.metadata or {}), **(message.metadata or {})}
        earlier = [message_text(m) for m in task.history[:-1] if m.role == "user"]
        request = SkillRequest(task.id, task.context_id, message_text(message), metadata, request_id, history=earlier)
        try:
            skill.check(self._gateway, request)
        except GatewayError as exc:
            raise A2AError(INVALID_PARAMS, exc.message) from None
        self._skill_of_task[task.id] = skill_id
        task = await self._save(task, skill_id, owner)
        self.last_task_id = task.id
        if streaming:
            request = request.streaming()
        return task, skill_id, request

    async def _continue(self, message: Message, owner: str | None) -> Task:
        task = await self._load(message.task_id or "", owner)
        if task.status.state in TERMINAL_STATES:
            raise A2AError(
                UNSUPPORTED_OPERATION, f"task '{task.id}' is {task.status.state}; start a new task in the same context"
            )
        if task.id in self._runs:
            raise A2AError(UNSUPPORTED_OPERATION, f"task '{task.id}' is still working; wait for it or cancel it")
        stamped = message.model_copy(update={"context_id": task.context_id})
        return task.model_copy(update={"history": [*task.history, stamped]})

    # ---------------------------------------------------------------- running a skill

    def _start(self, task: Task, skill_id: str, request: SkillRequest) -> asyncio.Task[Task]:
        run = asyncio.create_task(self._run(task, skill_id, request), name=f"a2a-task-{task.id}")
        self._runs[task.id] = run
        run.add_done_callback(lambda _: self._runs.pop(task.id, None))
        return run

    async def _run(self, task: Task, skill_id: str, request: SkillRequest) -> Task:
        task = await self._transition(task, skill_id, "working")
        chunks = _ChunkSink(self, task, skill_id)
        if request.emit is not None:
            request = request.with_emit(chunks.emit)
        try:
            result = await self.skills[skill_id].run(self._gateway, request)
        except asyncio.CancelledError:
            task = chunks.task
            return await self._transition(task, skill_id, "canceled", _agent_message(task, "canceled by the caller"))
        except InputRequired as ask:
            return await self._transition(chunks.task, skill_id, "input-required", _agent_message(task, ask.question))
        except GatewayError as exc:
            return await self._transition(chunks.task, skill_id, "failed", _agent_message(task, exc.message))
        except Exception as exc:
            log.exception("skill %s failed on task %s", skill_id, task.id)
            message = _agent_message(task, f"internal error: {exc.__class__.__name__}")
            return await self._transition(chunks.task, skill_id, "failed", message)
        task = await chunks.finish(result)
        return await self._transition(task, skill_id, "completed")

    async def _transition(self, task: Task, skill_id: str, state: TaskState, message: Message | None = None) -> Task:
        task = task.model_copy(update={"status": TaskStatus(state=state, timestamp=now_iso(), message=message)})
        if message is not None:
            task = task.model_copy(update={"history": [*task.history, message]})
        task = await self._save(task, skill_id)
        final = state in TERMINAL_STATES or state in INTERRUPTED_STATES
        self._publish(
            TaskStatusUpdateEvent(task_id=task.id, context_id=task.context_id, status=task.status, final=final)
        )
        if self.notify is not None:
            await self.notify(task)
        return task

    async def _save(self, task: Task, skill_id: str, owner: str | None = None) -> Task:
        stamp = time.time()
        await self._store.save_task(
            TaskRow(task.id, task.context_id, task.status.state, skill_id, stamp, stamp, task.wire(), owner)
        )
        return task

    async def _load(self, task_id: str, owner: str | None = None) -> Task:
        """The stored task. A caller with a key sees only tasks made without one or with the same key:
        another key's task is answered as not found, not as forbidden, so its existence stays private."""
        row = await self._store.get_task(task_id)
        if row is None or (owner is not None and row.owner is not None and row.owner != owner):
            raise A2AError(TASK_NOT_FOUND, f"task '{task_id}' not found")
        self._skill_of_task.setdefault(task_id, row.skill)
        return Task.model_validate(row.body)

    async def _stored_skill(self, task_id: str) -> str:
        row = await self._store.get_task(task_id)
        return row.skill if row is not None else DEFAULT_SKILL

    # ---------------------------------------------------------------- fan-out

    def _subscribe(self, task_id: str) -> asyncio.Queue[TaskEvent]:
        queue: asyncio.Queue[TaskEvent] = asyncio.Queue()
        self._subscribers.setdefault(task_id, set()).add(queue)
        return queue

    def _unsubscribe(self, task_id: str, queue: asyncio.Queue[TaskEvent]) -> None:
        queues = self._subscribers.get(task_id)
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._subscribers[task_id]

    def _publish(self, event: TaskEvent) -> None:
        for queue in self._subscribers.get(event.task_id, ()):
            queue.put_nowait(event)

    async def _follow(self, task: Task, queue: asyncio.Queue[TaskEvent]) -> AsyncIterator[Task | TaskEvent]:
        try:
            yield task
            while True:
                event = await queue.get()
                yield event
                if isinstance(event, TaskStatusUpdateEvent) and event.final:
                    return
        finally:
            self._unsubscribe(task.id, queue)


PARTIAL_SAVE_S = 0.25


class _ChunkSink:
    """Artifact chunks of a streaming run: each published at once; the text so far is stored with
    the first chunk and then at most every PARTIAL_SAVE_S (one SQLite write per token cost a
    stream 5 ms of CPU in bench/run.py), and the whole answer before the last event, as always."""

    def __init__(self, engine: TaskEngine, task: Task, skill_id: str) -> None:
        self._engine = engine
        self.task = task
        self._skill_id = skill_id
        self._artifact_id = str(uuid.uuid4())
        self._text = ""
        self._sent = False
        self._saved_at = -PARTIAL_SAVE_S

    async def emit(self, delta: str) -> None:
        if not delta:
            return
        self._text += delta
        if (now := time.monotonic()) - self._saved_at >= PARTIAL_SAVE_S:
            self._saved_at = now
            await self._store_artifact(self._text, metadata=None)
        self._engine._publish(
            TaskArtifactUpdateEvent(
                task_id=self.task.id,
                context_id=self.task.context_id,
                artifact=Artifact(artifact_id=self._artifact_id, name="answer", parts=[TextPart(text=delta)]),
                append=self._sent,
                last_chunk=False,
            )
        )
        self._sent = True

    async def finish(self, result: SkillResult) -> Task:
        parts: list[Any] = [TextPart(text=result.text)]
        if result.data is not None:
            parts.append(DataPart(kind="data", data=result.data))
        artifact = await self._store_artifact(result.text, metadata=result.metadata or None, parts=parts)
        if self._sent:  # the text went out in chunks: the last chunk only closes the artifact
            artifact = Artifact(
                artifact_id=self._artifact_id,
                name="answer",
                parts=[TextPart(text="")],
                metadata=result.metadata or None,
            )
        self._engine._publish(
            TaskArtifactUpdateEvent(
                task_id=self.task.id,
                context_id=self.task.context_id,
                artifact=artifact,
                append=self._sent,
                last_chunk=True,
            )
        )
        self.task = self.task.model_copy(update={"metadata": {**(self.task.metadata or {}), **result.metadata}})
        return self.task

    async def _store_artifact(
        self, text: str, *, metadata: dict[str, Any] | None, parts: list[Any] | None = None
    ) -> Artifact:
        artifact = Artifact(
            artifact_id=self._artifact_id, name="answer", parts=parts or [TextPart(text=text)], metadata=metadata
        )
        others = [a for a in self.task.artifacts if a.artifact_id != self._artifact_id]
        self.task = self.task.model_copy(update={"artifacts": [*others, artifact]})
        await self._engine._save(self.task, self._skill_id)
        return artifact


async def _once(task: Task) -> AsyncIterator[Task | TaskEvent]:
    yield task


OUTPUT_MODES = ("text/plain", "application/json")


def _check_output_modes(params: MessageSendParams) -> None:
    """The answers are text and JSON: a caller accepting neither gets -32005, not an answer it cannot read."""
    accepted = params.configuration.accepted_output_modes if params.configuration else None
    if not accepted:
        return
    for mode in accepted:
        kind = mode.split(";")[0].strip().lower()
        if kind in OUTPUT_MODES or kind in ("*/*", "text/*", "application/*"):
            return
    raise A2AError(
        CONTENT_TYPE_NOT_SUPPORTED, f"this agent answers in {', '.join(OUTPUT_MODES)}; none of {accepted} is accepted"
    )


def _skill_of(params: MessageSendParams) -> str:
    for metadata in (params.message.metadata, params.metadata):
        if metadata and "skill" in metadata:
            if not isinstance(metadata["skill"], str):
                raise A2AError(INVALID_PARAMS, "metadata 'skill' must be a string naming a skill")
            return metadata["skill"]
    return DEFAULT_SKILL


def _agent_message(task: Task, text: str) -> Message:
    return Message(
        role="agent",
        parts=[TextPart(text=text)],
        message_id=str(uuid.uuid4()),
        task_id=task.id,
        context_id=task.context_id,
    )
