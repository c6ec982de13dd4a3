"""The task engine: a task's every state change is stored before anyone sees it.

    submitted → working → completed | failed

`send` stores the task as submitted (with its owner, the caller's key id, when the surface passes
one), picks the skill (message or request metadata `skill`, else the default), stores `working`,
runs the skill and stores the terminal state with its artifact.
A blocking send returns the terminal task; a non-blocking one returns at `submitted` and the
run continues in the background (awaited on shutdown, so no task is left half written).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from omniroute_agent.a2a.errors import INVALID_PARAMS, TASK_NOT_FOUND, UNSUPPORTED_OPERATION, A2AError
from omniroute_agent.a2a.skill import Skill, SkillRequest
from omniroute_agent.a2a.types import (
    TERMINAL_STATES,
    Artifact,
    Message,
    MessageSendParams,
    Task,
    TaskQueryParams,
    TaskState,
    TaskStatus,
    TextPart,
    message_text,
    trim_history,
)
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.errors import GatewayError
from omniroute_agent.store.base import Store, TaskRow

log = logging.getLogger("omniroute.a2a")

DEFAULT_SKILL = "smart-routing"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TaskEngine:
    def __init__(self, store: Store, gateway: Gateway, skills: dict[str, Skill]) -> None:
        self._store = store
        self._gateway = gateway
        self.skills = skills
        self._running: set[asyncio.Task[None]] = set()

    async def send(self, params: MessageSendParams, *, request_id: str, owner: str | None = None) -> Task:
        message = params.message
        skill_id = _skill_of(params)
        skill = self.skills.get(skill_id)
        if skill is None:
            raise A2AError(INVALID_PARAMS, f"unknown skill '{skill_id}' (skills: {', '.join(sorted(self.skills))})")
        if message.task_id:
            task = await self._continue(message)
        else:
            context_id = message.context_id or str(uuid.uuid4())
            task_id = str(uuid.uuid4())
            stamped = message.model_copy(update={"task_id": task_id, "context_id": context_id})
            task = Task(
                id=task_id,
                context_id=context_id,
                status=TaskStatus(state="submitted", timestamp=now_iso()),
                history=[stamped],
            )
        metadata = {**(params.metadata or {}), **(message.metadata or {})}
        request = SkillRequest(task.id, task.context_id, message_text(message), metadata, request_id)
        try:
            skill.check(self._gateway, request)
        except GatewayError as exc:
            raise A2AError(INVALID_PARAMS, exc.message) from None
        await self._save(task, skill_id, owner)
        run = self._run(task, skill_id, request, owner)
        history_length = params.configuration.history_length if params.configuration else None
        if params.configuration is not None and params.configuration.blocking is False:
            background = asyncio.create_task(self._detached(run), name=f"a2a-task-{task.id}")
            self._running.add(background)
            background.add_done_callback(self._running.discard)
            return trim_history(task, history_length)
        return trim_history(await run, history_length)

    async def get(self, params: TaskQueryParams) -> Task:
        row = await self._store.get_task(params.id)
        if row is None:
            raise A2AError(TASK_NOT_FOUND, f"task '{params.id}' not found")
        return trim_history(Task.model_validate(row.body), params.history_length)

    async def close(self) -> None:
        """Lets background runs finish (they end in a stored terminal state)."""
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _continue(self, message: Message) -> Task:
        row = await self._store.get_task(message.task_id or "")
        if row is None:
            raise A2AError(TASK_NOT_FOUND, f"task '{message.task_id}' not found")
        task = Task.model_validate(row.body)
        if task.status.state in TERMINAL_STATES:
            raise A2AError(
                UNSUPPORTED_OPERATION,
                f"task '{task.id}' is {task.status.state}; start a new task in the same context",
            )
        stamped = message.model_copy(update={"context_id": task.context_id})
        return task.model_copy(update={"history": [*task.history, stamped]})

    async def _run(self, task: Task, skill_id: str, request: SkillRequest, owner: str | None) -> Task:
        task = await self._transition(task, skill_id, owner, "working")
        try:
            result = await self.skills[skill_id].run(self._gateway, request)
        except GatewayError as exc:
            return await self._transition(task, skill_id, owner, "failed", _agent_message(task, exc.message))
        except Exception as exc:
            log.exception("skill %s failed on task %s", skill_id, task.id)
            return await self._transition(
                task, skill_id, owner, "failed", _agent_message(task, f"internal error: {exc.__class__.__name__}")
            )
        artifact = Artifact(
            artifact_id=str(uuid.uuid4()),
            name="answer",
            parts=[TextPart(text=result.text)],
            metadata=result.metadata or None,
        )
        task = task.model_copy(
            update={
                "artifacts": [*task.artifacts, artifact],
                "metadata": {**(task.metadata or {}), **result.metadata},
            }
        )
        return await self._transition(task, skill_id, owner, "completed")

    async def _detached(self, run: Coroutine[Any, Any, Task]) -> None:
        await run

    async def _transition(
        self, task: Task, skill_id: str, owner: str | None, state: TaskState, message: Message | None = None
    ) -> Task:
        task = task.model_copy(update={"status": TaskStatus(state=state, timestamp=now_iso(), message=message)})
        if message is not None:
            task = task.model_copy(update={"history": [*task.history, message]})
        await self._save(task, skill_id, owner)
        return task

    async def _save(self, task: Task, skill_id: str, owner: str | None) -> None:
        stamp = time.time()
        await self._store.save_task(
            TaskRow(task.id, task.context_id, task.status.state, skill_id, stamp, stamp, task.wire(), owner)
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
