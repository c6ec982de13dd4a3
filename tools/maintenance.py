"""Maintenance: syncing prices from a feed, the store's integrity (and repair), the gateway's caches."""

from __future__ import annotations

from typing import Annotated, Literal, Protocol

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from omniroute_agent.core.admin import Admin
from omniroute_agent.core.dedupe import CacheStats
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.price_feed import parse_feed, read_source
from omniroute_agent.core.scopes import grants
from omniroute_agent.errors import GatewayError
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.caller import current
from omniroute_agent.tools.view import RuntimeView

REPAIR_SCOPE = "write:resilience"
CacheName = Literal["idempotency", "singleflight", "replay"]
CACHE_ROLES: dict[CacheName, str] = {
    "idempotency": "answers kept per Idempotency-Key, replayed to a repeated request",
    "singleflight": "identical temperature-0 requests in flight, sharing one upstream call",
    "replay": "thought signatures and signed reasoning kept per tool-call id, restored on the next turn",
}


class _Cache(Protocol):
    def stats(self) -> CacheStats: ...
    def clear(self) -> int: ...


def _caches(gateway: Gateway) -> dict[CacheName, _Cache]:
    return {"idempotency": gateway.idempotency, "singleflight": gateway.singleflight, "replay": gateway.replay}


class SkippedPrice(BaseModel):
    model: str
    reason: str


class PricingSync(BaseModel):
    source: str
    added: list[str] = Field(description="models that had no stored price")
    updated: list[str] = Field(description="synced prices that changed")
    unchanged: list[str] = Field(description="synced prices already as in the feed")
    skipped: list[SkippedPrice] = Field(description="user prices (never overwritten) and invalid entries")


class DbHealth(BaseModel):
    ok: bool = Field(description="the (last) integrity check answered 'ok'")
    integrity: list[str] = Field(description="PRAGMA integrity_check: ['ok'] or the problems found")
    db_path: str
    db_bytes: int
    repaired: bool
    backup_path: str | None = Field(description="the copy made before the repair")
    backup_bytes: int | None
    integrity_after: list[str] | None = Field(description="the check again after the repair")
    db_bytes_after: int | None


class CacheInfo(BaseModel):
    name: CacheName
    role: str
    entries: int
    capacity: int | None = Field(description="most entries kept; None when not bounded by a count")


class CacheReport(BaseModel):
    caches: list[CacheInfo]
    idempotency_ttl_s: float = Field(description="how long an Idempotency-Key answer is kept")


class ClearedCache(BaseModel):
    name: CacheName
    cleared: int = Field(description="entries forgotten")


class CacheFlush(BaseModel):
    cleared: list[ClearedCache]


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_sync_pricing",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
        ),
    )
    async def sync_pricing(
        source: Annotated[
            str,
            Field(
                min_length=1,
                description='a local JSON file path or an http(s) URL; the JSON is a list of {"model", "input", '
                '"output", "cached_input"?, "context_window"?}, prices in USD per 1M tokens',
            ),
        ],
    ) -> PricingSync:
        """Loads model prices from a feed into the price book as synced prices: adds and updates them,
        never overwrites a price set by the user (config or API), and reloads the prices used for cost."""
        try:
            rows, invalid = parse_feed(await read_source(source, runtime.gateway.executor.session))
            report = await Admin(runtime.gateway).sync_prices(rows)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        return PricingSync(
            source=source,
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
            skipped=[SkippedPrice(model=s.model, reason=s.reason) for s in [*invalid, *report.skipped]],
        )

    @server.tool(
        name="omniroute_db_health_check",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
        ),
    )
    async def db_health_check(
        repair: Annotated[
            bool,
            Field(description=f"back the store up, then REINDEX and VACUUM it; needs the scope {REPAIR_SCOPE}"),
        ] = False,
    ) -> DbHealth:
        """Runs SQLite's integrity check on the store. With repair=true, first copies the database to
        <data_dir>/backups/omniroute-<timestamp>.db, then rebuilds its indexes and file, and checks again."""
        if repair and not grants(current().scopes, REPAIR_SCOPE):
            raise ToolError(f"repair needs the scope {REPAIR_SCOPE}, which the caller's key does not hold")
        try:
            check = await Admin(runtime.gateway).check_database(runtime.store.path, repair=repair)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        return DbHealth(
            ok=check.ok,
            integrity=check.integrity,
            db_path=str(runtime.store.path),
            db_bytes=check.db_bytes,
            repaired=check.backup_path is not None,
            backup_path=str(check.backup_path) if check.backup_path else None,
            backup_bytes=check.backup_bytes,
            integrity_after=check.integrity_after,
            db_bytes_after=check.db_bytes_after,
        )

    @server.tool(
        name="omniroute_cache_stats",
        annotations=READ_ONLY,
    )
    async def cache_stats() -> CacheReport:
        """Entries and capacity of the gateway's in-memory caches: idempotency answers, single-flight
        calls in flight, and the replay cache of thought signatures."""
        caches = [
            CacheInfo(name=name, role=CACHE_ROLES[name], entries=stats.entries, capacity=stats.capacity)
            for name, cache in _caches(runtime.gateway).items()
            for stats in (cache.stats(),)
        ]
        return CacheReport(caches=caches, idempotency_ttl_s=runtime.gateway.idempotency.ttl_s)

    @server.tool(
        name="omniroute_cache_flush",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
        ),
    )
    async def cache_flush(
        caches: Annotated[
            list[CacheName] | None,
            Field(min_length=1, description="which caches to clear; all of them when omitted"),
        ] = None,
    ) -> CacheFlush:
        """Clears the named caches (all when none is named). Requests already waiting on a cleared
        entry still get their answer; the next request starts afresh."""
        live = _caches(runtime.gateway)
        names = list(dict.fromkeys(caches)) if caches else list(live)
        return CacheFlush(cleared=[ClearedCache(name=n, cleared=live[n].clear()) for n in names])
