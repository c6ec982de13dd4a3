"""What a skill receives and returns. Skills live in `skills/`; the engine runs them.

A skill answers with a `SkillResult`: its text and, optionally, the same answer as `data` (a JSON
object the engine returns as a DataPart beside the text). A skill that needs more from the caller
raises `InputRequired`; the engine parks the task in `input-required`, and the caller's next
message on the same task comes back as a new `SkillRequest` with the earlier user texts in `history`.
A streaming caller's request carries `emit`: the skill calls it with each piece of its answer as it
arrives (the engine stores and publishes each as an artifact chunk); the result still holds it all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from omniroute_agent.core.gateway import Gateway

Emit = Callable[[str], Awaitable[None]]


async def _no_emit(_: str) -> None:
    return None


@dataclass(frozen=True, slots=True)
class SkillRequest:
    task_id: str
    context_id: str
    text: str
    metadata: dict[str, Any]
    request_id: str
    history: list[str] = field(default_factory=list)  # the task's earlier user texts, oldest first
    emit: Emit | None = None  # set for a streaming caller: the answer's pieces as they arrive
    owner: str | None = None  # the caller's gateway key id, when the surface knows it

    def streaming(self) -> SkillRequest:
        return replace(self, emit=_no_emit)

    def with_emit(self, emit: Emit) -> SkillRequest:
        return replace(self, emit=emit)

    @property
    def history_text(self) -> str:
        """Every user text of the task, oldest first and this message's last, one per line."""
        return "\n".join(t for t in (*self.history, self.text) if t.strip())


@dataclass(slots=True)
class SkillResult:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] | None = None  # the structured answer, returned as a DataPart beside the text


class InputRequired(Exception):
    """Raised by a skill's `run` to ask the caller `question`; the task waits in `input-required`."""

    def __init__(self, question: str) -> None:
        super().__init__(question)
        self.question = question


@dataclass(frozen=True, slots=True)
class Skill:
    """`check` refuses bad input before a task exists (raising a 4xx GatewayError, answered as
    invalid params); `run` does the work once the task is stored."""

    run: Callable[[Gateway, SkillRequest], Awaitable[SkillResult]]
    check: Callable[[Gateway, SkillRequest], None]
