"""The Store interface and the rows it moves. Implementations: `sqlite.SqliteStore`, `memory.MemoryStore`.

Rows are plain dataclasses; credentials travel in clear text here and are encrypted by the store
that writes them. Every write is an upsert keyed by the row's id, so applying the same config
twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(slots=True)
class ProviderRow:
    id: str
    format: str
    base_url: str
    models: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ConnectionRow:
    id: str
    provider_id: str
    secret: str
    label: str = ""
    enabled: bool = True
    priority: int = 0


@dataclass(slots=True)
class ComboRow:
    name: str
    strategy: str
    models: list[str]


@dataclass(slots=True)
class ApiKeyRow:
    id: str
    key_hash: str
    label: str = ""


@dataclass(slots=True)
class UsageRow:
    request_id: str
    ts: float
    surface: str
    model: str
    target: str | None
    connection_id: str | None
    status: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    stream: bool = False
    error: str | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class TaskRow:
    id: str
    context_id: str
    state: str
    skill: str
    created_at: float
    updated_at: float
    body: dict[str, Any]


class Store(Protocol):
    async def open(self) -> None: ...
    async def close(self) -> None: ...

    async def upsert_provider(self, row: ProviderRow) -> None: ...
    async def list_providers(self) -> list[ProviderRow]: ...
    async def upsert_connection(self, row: ConnectionRow) -> None: ...
    async def list_connections(self) -> list[ConnectionRow]: ...
    async def upsert_combo(self, row: ComboRow) -> None: ...
    async def list_combos(self) -> list[ComboRow]: ...
    async def upsert_api_key(self, row: ApiKeyRow) -> None: ...
    async def list_api_keys(self) -> list[ApiKeyRow]: ...

    async def add_usage(self, rows: Sequence[UsageRow]) -> None: ...
    async def list_usage(self, *, limit: int = 100) -> list[UsageRow]: ...

    async def save_task(self, row: TaskRow) -> None: ...
    async def get_task(self, task_id: str) -> TaskRow | None: ...

    async def ping(self) -> bool: ...
