"""A Gateway assembled in-process for the insight unit tests (core/insights, simulate, advise,
catalog): a real SQLite store, a routing table written here, and a router whose clocks the test
moves. Nothing is ever sent upstream.

    providers   fake (gpt-4.1-mini; keys fake-1, fake-2)   backup (gpt-4.1-nano; backup-1)
                odd (mystery-1, unpriced and with no declared capability; odd-1)
                reasoner (o4-mini, in no combo; reasoner-1)
    combos      stack = fake, backup (priority)    rotor = fake, backup (round-robin)
                quick = fake                       thrifty = backup            oddball = odd
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from omniroute_agent.core.accounts import Accounts
from omniroute_agent.core.admin import price_book
from omniroute_agent.core.breaker import Breaker, BreakerSettings
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.metrics import Metrics
from omniroute_agent.core.pricing import PROVIDER_ALIASES
from omniroute_agent.core.router import Router
from omniroute_agent.core.table import RoutingTable
from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.providers.executor import Executor
from omniroute_agent.store.base import ComboRow, ConnectionRow, PriceRow, ProviderRow, UsageRow
from omniroute_agent.store.crypto import Cipher
from omniroute_agent.store.sqlite import DB_FILE, SqliteStore

WALL0 = 1_750_000_000.0  # wall-clock start of every kit (a Sunday, 2025-06-15T15:06:40Z)

PROVIDERS = {
    "fake": ("gpt-4.1-mini", ["fake-1", "fake-2"]),
    "backup": ("gpt-4.1-nano", ["backup-1"]),
    "odd": ("mystery-1", ["odd-1"]),
    "reasoner": ("o4-mini", ["reasoner-1"]),
}
COMBOS = {
    "stack": ("priority", ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"]),
    "rotor": ("round-robin", ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"]),
    "quick": ("priority", ["fake/gpt-4.1-mini"]),
    "thrifty": ("priority", ["backup/gpt-4.1-nano"]),
    "oddball": ("priority", ["odd/mystery-1"]),
}


class Clock:
    """A clock the test moves: monotonic seconds from 1000, wall time from WALL0."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall_s = WALL0

    def __call__(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self.wall_s

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall_s += seconds


@dataclass(slots=True)
class Kit:
    gateway: Gateway
    store: SqliteStore
    clock: Clock

    @property
    def router(self) -> Router[object]:
        return self.gateway.router

    def observe(self, target: str, *latencies_ms: float, failed: int = 0) -> None:
        """Calls the router measured: one success per latency, then `failed` failures."""
        for ms in latencies_ms:
            self.router.metrics.observe(target, ms, ok=True)
        for _ in range(failed):
            self.router.metrics.observe(target, 5.0, ok=False)

    async def usage(self, *rows: UsageRow) -> None:
        await self.store.add_usage(rows)


def row(
    request_id: str,
    ts: float,
    *,
    target: str | None = "fake/gpt-4.1-mini",
    combo: str | None = None,
    status: int = 200,
    cost: float = 0.001,
    tokens: tuple[int, int] = (10, 5),
) -> UsageRow:
    return UsageRow(
        request_id,
        ts,
        "v1",
        combo or target or "?",
        target,
        None,
        status,
        prompt_tokens=tokens[0],
        completion_tokens=tokens[1],
        cost_usd=cost if status == 200 else 0.0,
        combo=combo,
    )


def routing_table() -> RoutingTable:
    table = RoutingTable(default_model="stack")
    for pid, (model, keys) in PROVIDERS.items():
        table.put_provider(ProviderRow(pid, "openai", f"http://{pid}.test/v1", [model]))
        for n, key in enumerate(keys):
            table.put_connection(ConnectionRow(key, pid, f"secret-{key}", f"key {n + 1}", priority=n))
    for name, (strategy, models) in COMBOS.items():
        table.put_combo(ComboRow(name, strategy, models))
    return table


@asynccontextmanager
async def kit(tmp_path: Path, *, prices: list[PriceRow] | None = None) -> AsyncIterator[Kit]:
    clock = Clock()
    store = SqliteStore(tmp_path / DB_FILE, Cipher(bytes(32)))
    await store.open()
    table = routing_table()
    router: Router[object] = Router(
        table,
        accounts=Accounts(clock=clock, wall=clock.wall),
        breaker=Breaker(BreakerSettings(failures=1, open_seconds=30.0), clock=clock, wall=clock.wall),
        metrics=Metrics(clock=clock),
        prices=price_book(prices or [], PROVIDER_ALIASES),
        rng=random.Random(7),
        clock=clock,
        wall=clock.wall,
    )
    usage = UsageRecorder(store)
    usage.start()
    try:
        async with aiohttp.ClientSession() as session:
            executor = Executor(session, request_timeout=5, idle_timeout=5)
            gateway = Gateway(table, executor, store, usage, router, started_at=WALL0)
            yield Kit(gateway, store, clock)
    finally:
        await usage.stop()
        await store.close()
