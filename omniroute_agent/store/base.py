"""The Store interface and the rows it moves. Implementations: `sqlite.SqliteStore`, `memory.MemoryStore`.

Rows are plain dataclasses; credentials travel in clear text here and are encrypted by the store
that writes them. Every write is an upsert keyed by the row's id, so applying the same config
twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(slots=True)
class ProviderRow:
    id: str
    format: str
    base_url: str
    models: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)  # account_strategy


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
    config: dict[str, Any] = field(default_factory=dict)  # weights, retries, timeout, max attempts


@dataclass(slots=True)
class ApiKeyRow:
    id: str
    key_hash: str
    label: str = ""
    scopes: list[str] = field(default_factory=lambda: ["*"])


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
    cost_usd: float = 0.0
    combo: str | None = None
    api_key_id: str | None = None
    cached_tokens: int = 0
    reasoning_tokens: int = 0


@dataclass(slots=True)
class PriceRow:
    model: str
    input: float | None
    output: float | None
    cached_input: float | None = None
    context_window: int | None = None
    source: str = "user"  # "user" (config or API: never overwritten by a sync) or "sync"


@dataclass(slots=True)
class BudgetRow:
    id: str
    scope: str  # "key:<id>" | "combo:<name>" | "global"
    period: str  # day | week | month
    limit_usd: float
    action: str  # block | degrade
    degrade_to: str | None = None


@dataclass(slots=True)
class TaskRow:
    id: str
    context_id: str
    state: str
    skill: str
    created_at: float
    updated_at: float
    body: dict[str, Any]
    owner: str | None = None  # the gateway key id that created it ("local" for stdio)


@dataclass(slots=True)
class AuditRow:
    ts: float
    tool: str
    key_id: str | None
    transport: str  # stdio | http | sse
    input_hash: str
    output_summary: str
    duration_ms: float
    success: bool
    error_code: str | None = None


@dataclass(slots=True)
class MemoryRow:
    id: int
    owner: str
    text: str
    tags: str
    created_at: float


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

    async def delete_combo(self, name: str) -> bool: ...

    async def add_usage(self, rows: Sequence[UsageRow]) -> None: ...
    async def list_usage(self, *, limit: int = 100) -> list[UsageRow]: ...
    async def usage_for_request(self, request_id: str) -> list[UsageRow]: ...
    async def spent_usd(self, *, since: float, combo: str | None = None, api_key_id: str | None = None) -> float: ...
    async def cost_by_day(self, *, since: float) -> list[tuple[float, str | None, str | None, float]]: ...
    async def usage_totals(self, *, since: float, group_by: str) -> list[dict[str, Any]]: ...

    async def get_state(self, key: str) -> dict[str, Any] | None: ...
    async def put_state(self, items: dict[str, dict[str, Any]]) -> None: ...

    async def upsert_price(self, row: PriceRow) -> None: ...
    async def list_prices(self) -> list[PriceRow]: ...
    async def upsert_budget(self, row: BudgetRow) -> None: ...
    async def list_budgets(self) -> list[BudgetRow]: ...
    async def delete_budget(self, budget_id: str) -> bool: ...

    async def save_task(self, row: TaskRow) -> None: ...
    async def get_task(self, task_id: str) -> TaskRow | None: ...
    async def list_tasks(
        self, *, owner: str | None = None, skill: str | None = None, limit: int = 50
    ) -> list[TaskRow]: ...

    async def save_push_config(self, task_id: str, config_id: str, body: dict[str, Any]) -> None: ...
    async def list_push_configs(self, task_id: str) -> list[dict[str, Any]]: ...
    async def delete_push_config(self, task_id: str, config_id: str) -> bool: ...
    async def prune_tasks(self, *, older_than: float, states: Sequence[str]) -> int: ...

    async def add_audit(self, rows: Sequence[AuditRow]) -> None: ...
    async def list_audit(
        self,
        *,
        tool: str | None = None,
        key_id: str | None = None,
        success: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[AuditRow]: ...
    async def audit_stats(self) -> list[dict[str, Any]]: ...

    async def add_memory(self, owner: str, text: str, tags: str) -> MemoryRow: ...
    async def search_memory(self, owner: str, query: str, *, limit: int = 10) -> list[MemoryRow]: ...
    async def clear_memory(self, owner: str) -> int: ...

    async def skill_settings(self, owner: str) -> dict[str, bool]: ...
    async def set_skill_enabled(self, owner: str, skill: str, enabled: bool) -> None: ...

    async def integrity_check(self) -> list[str]: ...
    async def backup(self, path: Path) -> None: ...
    async def repair(self) -> None: ...

    async def ping(self) -> bool: ...
