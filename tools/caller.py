"""Who is calling a tool: set by the guard for the duration of each MCP request.

Memory and skills are bound to `Caller.owner` (the gateway key id; "local" on stdio; "anonymous"
over HTTP when no keys are configured), never to an id the caller passes in.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: str | None
    scopes: frozenset[str]
    transport: str  # stdio | http | sse

    @property
    def owner(self) -> str:
        if self.transport == "stdio":
            return "local"
        return self.key_id or "anonymous"


LOCAL = Caller(None, frozenset({"*"}), "stdio")
CALLER: ContextVar[Caller] = ContextVar("omniroute_mcp_caller", default=LOCAL)


def current() -> Caller:
    return CALLER.get()
