"""omniroute_skills_list, _enable, _execute and _executions: the A2A skills, driven from MCP.

A skill runs through the same A2A task engine as `/a2a` `message/send`, so every execution is a
stored task (submitted → working → completed | failed) owned by the caller (`tools.caller`: the
gateway key id, "local" on stdio). Each owner switches skills on and off for itself (enabled unless
switched off) and lists only its own executions.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from omniroute_agent.a2a.errors import A2AError
from omniroute_agent.a2a.types import Message, MessageSendParams, Task, TextPart, message_text
from omniroute_agent.server.card import load_template
from omniroute_agent.store.base import TaskRow
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.caller import current
from omniroute_agent.tools.view import RuntimeView


class SkillInfo(BaseModel):
    id: str
    name: str
    description: str
    tags: list[str]
    examples: list[str]
    input_modes: list[str]
    output_modes: list[str]
    enabled: bool = Field(description="whether the caller may execute it (enabled unless the caller switched it off)")


class SkillList(BaseModel):
    owner: str
    skills: list[SkillInfo]


class SkillSetting(BaseModel):
    owner: str
    skill: str
    enabled: bool


class Execution(BaseModel):
    task_id: str = Field(description="the A2A task id (tasks/get on /a2a reads the same task)")
    context_id: str
    skill: str
    state: str = Field(description="submitted, working, completed or failed")
    created_at: str = Field(description="UTC, ISO 8601")
    updated_at: str = Field(description="UTC, ISO 8601")
    answer: str | None = Field(description="the answer text, once completed")
    error: str | None = Field(description="why it failed, if it did")
    metadata: dict[str, Any] | None = Field(description="what the skill reported, e.g. its routing trace")


class Executions(BaseModel):
    owner: str
    executions: list[Execution] = Field(description="most recently updated first")


def register(server: MCPServer, runtime: RuntimeView) -> None:
    cards = {s["id"]: s for s in load_template().get("skills", [])}

    def known(skill: str) -> str:
        skills = runtime.tasks.skills
        if skill not in skills:
            raise ToolError(f"unknown skill '{skill}' (skills: {', '.join(sorted(skills))})")
        return skill

    @server.tool(
        name="omniroute_skills_list",
        annotations=READ_ONLY,
    )
    async def skills_list() -> SkillList:
        """The agent's A2A skills with their card metadata, and whether each is enabled for the caller."""
        owner = current().owner
        settings = await runtime.store.skill_settings(owner)
        skills = sorted(runtime.tasks.skills)
        return SkillList(
            owner=owner,
            skills=[_info(skill, cards.get(skill, {}), settings.get(skill, True)) for skill in skills],
        )

    @server.tool(
        name="omniroute_skills_enable",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
        ),
    )
    async def skills_enable(
        skill: Annotated[str, Field(description="a skill id from omniroute_skills_list")],
        enabled: Annotated[bool, Field(description="true to allow executing it, false to refuse it")],
    ) -> SkillSetting:
        """Switch a skill on or off for the calling key (or the local stdio user) only."""
        owner = current().owner
        await runtime.store.set_skill_enabled(owner, known(skill), enabled)
        return SkillSetting(owner=owner, skill=skill, enabled=enabled)

    @server.tool(
        name="omniroute_skills_execute",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
        ),
    )
    async def skills_execute(
        skill: Annotated[str, Field(description="a skill id from omniroute_skills_list")],
        text: Annotated[str, Field(min_length=1, description="the message for the skill")],
        metadata: Annotated[
            dict[str, Any] | None,
            Field(description="message metadata for the skill, e.g. {'model': 'stack'} for smart-routing"),
        ] = None,
    ) -> Execution:
        """Run a skill as an A2A task (stored, owned by the caller) and return the finished task with
        its answer. A skill the caller switched off is refused."""
        owner = current().owner
        if not (await runtime.store.skill_settings(owner)).get(known(skill), True):
            raise ToolError(f"skill '{skill}' is disabled for this caller; enable it with omniroute_skills_enable")
        if metadata and metadata.get("skill", skill) != skill:
            raise ToolError("metadata 'skill' differs from 'skill': name the skill once, in 'skill'")
        message = Message(
            role="user",
            parts=[TextPart(text=text)],
            message_id=str(uuid.uuid4()),
            metadata={**(metadata or {}), "skill": skill},
        )
        try:
            params = MessageSendParams(message=message)
            task = await runtime.tasks.send(params, request_id=uuid.uuid4().hex, owner=owner)
        except A2AError as exc:
            raise ToolError(exc.message) from None
        row = await runtime.store.get_task(task.id)
        if row is None:
            raise ToolError(f"task '{task.id}' was not stored")
        done = _execution(row)
        if done.state == "failed":
            raise ToolError(f"skill '{skill}' failed (task {task.id}): {done.error}")
        return done

    @server.tool(
        name="omniroute_skills_executions",
        annotations=READ_ONLY,
    )
    async def skills_executions(
        skill: Annotated[str | None, Field(description="only this skill's executions")] = None,
        limit: Annotated[int, Field(ge=1, le=200, description="most executions to return")] = 20,
    ) -> Executions:
        """The caller's own skill executions (A2A tasks), newest first, with state, timestamps and answer."""
        owner = current().owner
        rows = await runtime.store.list_tasks(owner=owner, skill=known(skill) if skill else None, limit=limit)
        return Executions(owner=owner, executions=[_execution(r) for r in rows])


def _info(skill: str, card: dict[str, Any], enabled: bool) -> SkillInfo:
    return SkillInfo(
        id=skill,
        name=card.get("name", skill),
        description=card.get("description", ""),
        tags=card.get("tags", []),
        examples=card.get("examples", []),
        input_modes=card.get("inputModes", []),
        output_modes=card.get("outputModes", []),
        enabled=enabled,
    )


def _execution(row: TaskRow) -> Execution:
    task = Task.model_validate(row.body)
    answer = "".join(p.text for a in task.artifacts for p in a.parts if isinstance(p, TextPart))
    status = task.status
    return Execution(
        task_id=row.id,
        context_id=row.context_id,
        skill=row.skill,
        state=row.state,
        created_at=_iso(row.created_at),
        updated_at=_iso(row.updated_at),
        answer=answer if task.artifacts else None,
        error=message_text(status.message) if status.state == "failed" and status.message else None,
        metadata=task.metadata,
    )


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")
