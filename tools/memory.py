"""omniroute_memory_add, _search and _clear: notes a caller keeps across sessions.

Every memory belongs to the caller's owner identity (`tools.caller`: the gateway key id over HTTP,
"local" on stdio), never to an id passed in: one key can neither read nor clear another's notes.
Search is SQLite full-text search (FTS5) over text and tags, best match first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field, StringConstraints

from omniroute_agent.store.base import MemoryRow
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.caller import current
from omniroute_agent.tools.view import RuntimeView

TAG_SEPARATOR = ","
MAX_TEXT = 20_000

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[^,]+$")]


class Memory(BaseModel):
    id: int
    text: str
    tags: list[str]
    created_at: str = Field(description="when it was stored (UTC, ISO 8601)")


class MemoryAdded(BaseModel):
    owner: str = Field(description="the identity the memory is stored under (the caller's key id, 'local' on stdio)")
    memory: Memory


class MemoryMatches(BaseModel):
    owner: str
    query: str
    memories: list[Memory] = Field(description="best match first; the newest first when the query has no words")


class MemoryCleared(BaseModel):
    owner: str
    deleted: int = Field(description="how many memories were deleted")


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_memory_add",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
        ),
    )
    async def memory_add(
        text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT, description="what to remember")],
        tags: Annotated[list[Tag] | None, Field(max_length=20, description="labels to find it by (no commas)")] = None,
    ) -> MemoryAdded:
        """Store a note for the calling key (or the local stdio user); it is found again with
        omniroute_memory_search by any of its words or tags."""
        if not text.strip():
            raise ToolError("'text' is blank: give something to remember")
        owner = current().owner
        row = await runtime.store.add_memory(owner, text, TAG_SEPARATOR.join(tags or []))
        return MemoryAdded(owner=owner, memory=_memory(row))

    @server.tool(
        name="omniroute_memory_search",
        annotations=READ_ONLY,
    )
    async def memory_search(
        query: Annotated[str, Field(max_length=1000, description="words to look for in text and tags (any of them)")],
        limit: Annotated[int, Field(ge=1, le=100, description="most memories to return")] = 10,
    ) -> MemoryMatches:
        """Full-text search of the caller's own memories, best match first. A query without words
        lists the newest memories."""
        owner = current().owner
        rows = await runtime.store.search_memory(owner, query, limit=limit)
        return MemoryMatches(owner=owner, query=query, memories=[_memory(r) for r in rows])

    @server.tool(
        name="omniroute_memory_clear",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
        ),
    )
    async def memory_clear() -> MemoryCleared:
        """Delete every memory of the calling key (or the local stdio user); others' are untouched."""
        owner = current().owner
        return MemoryCleared(owner=owner, deleted=await runtime.store.clear_memory(owner))


def _memory(row: MemoryRow) -> Memory:
    return Memory(
        id=row.id,
        text=row.text,
        tags=[t for t in row.tags.split(TAG_SEPARATOR) if t],
        created_at=datetime.fromtimestamp(row.created_at, UTC).isoformat(timespec="seconds"),
    )
