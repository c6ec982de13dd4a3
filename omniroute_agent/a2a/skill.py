"""What a skill receives and returns. Skills live in `skills/`; the engine runs them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.core.gateway import Gateway


@dataclass(frozen=True, slots=True)
class SkillRequest:
    task_id: str
    context_id: str
    text: str
    metadata: dict[str, Any]
    request_id: str


@dataclass(slots=True)
class SkillResult:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Skill:
    """`check` refuses bad input before a task exists (raising a 4xx GatewayError, answered as
    invalid params); `run` does the work once the task is stored."""

    run: Callable[[Gateway, SkillRequest], Awaitable[SkillResult]]
    check: Callable[[Gateway, SkillRequest], None]
