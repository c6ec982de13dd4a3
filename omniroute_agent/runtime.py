"""The assembled gateway: store, shared HTTP session, routing table, Gateway and A2A engine.

Both the HTTP server and the MCP stdio server run inside `Runtime.running(settings)`; it opens
everything at start (no network calls) and closes it in reverse order, flushing usage records.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from omniroute_agent.a2a.engine import TaskEngine
from omniroute_agent.a2a.push import PushSender
from omniroute_agent.a2a.types import TERMINAL_STATES
from omniroute_agent.config import Settings
from omniroute_agent.core import profiles
from omniroute_agent.core.accounts import Accounts, AccountSettings
from omniroute_agent.core.admin import price_book
from omniroute_agent.core.batch import BatchWriter
from omniroute_agent.core.bootstrap import apply_config, load_table
from omniroute_agent.core.breaker import Breaker, BreakerSettings
from omniroute_agent.core.budget import LEDGER_KEEP_S, Budget, Ledger, scopes
from omniroute_agent.core.dedupe import Idempotency
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.pricing import PROVIDER_ALIASES
from omniroute_agent.core.router import Router
from omniroute_agent.core.state import StateKeeper
from omniroute_agent.core.table import RoutingTable
from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.providers.executor import Executor
from omniroute_agent.skills import SKILLS
from omniroute_agent.store.base import AuditRow
from omniroute_agent.store.crypto import Cipher, load_cipher
from omniroute_agent.store.sqlite import DB_FILE, SqliteStore

log = logging.getLogger("omniroute")


async def build_router(store: SqliteStore, table: RoutingTable, settings: Settings) -> Router[Any]:
    """The router with the config's [routing] values, then the resilience profile saved at run time."""
    routing = settings.file.routing
    router: Router[Any] = Router(
        table,
        accounts=Accounts(AccountSettings(strategy=routing.account_strategy, sticky=routing.sticky)),
        breaker=Breaker(BreakerSettings(failures=routing.breaker_failures, open_seconds=routing.breaker_open_s)),
        prices=price_book(await store.list_prices(), {**PROVIDER_ALIASES, **table.aliases}),
        max_cooldown_wait_s=routing.wait_for_cooldown_s,
        max_attempts=routing.max_attempts,
        exploration=routing.exploration,
    )
    profiles.restore(router, await store.get_state(profiles.STATE_KEY))
    return router


async def load_budgets(store: SqliteStore) -> list[Budget]:
    return [
        Budget(b.scope, b.period, b.limit_usd, b.action, b.degrade_to)  # type: ignore[arg-type]
        for b in await store.list_budgets()
    ]


async def prune_tasks(store: SqliteStore, retention_days: float) -> None:
    """Terminal A2A tasks older than the retention setting are deleted at start."""
    removed = await store.prune_tasks(older_than=time.time() - retention_days * 86400, states=sorted(TERMINAL_STATES))
    if removed:
        log.info("pruned %d finished A2A tasks older than %s days", removed, retention_days)


async def seed_ledger(store: SqliteStore) -> Ledger:
    """Spend already booked this month, so a restart does not reset a budget."""
    ledger = Ledger()
    for day, combo, key_id, usd in await store.cost_by_day(since=time.time() - LEDGER_KEEP_S):
        ledger.add(scopes(key_id=key_id, combo=combo), usd, day)
    return ledger


async def open_store(settings: Settings) -> tuple[SqliteStore, Cipher]:
    """The store, migrated to the latest schema, and the cipher of its secrets."""
    cipher = load_cipher(settings.data_dir, settings.secret_key)
    store = SqliteStore(settings.data_dir / DB_FILE, cipher)
    await store.open()
    return store, cipher


async def prepare(store: SqliteStore, cipher: Cipher, settings: Settings) -> None:
    """What one process does for all: apply the config, prune old tasks."""
    await apply_config(store, cipher, settings)
    await prune_tasks(store, settings.file.a2a.retention_days)


async def prepare_store(settings: Settings) -> None:
    """`prepare` on its own, for the `--workers` supervisor before the workers start."""
    store, cipher = await open_store(settings)
    try:
        await prepare(store, cipher, settings)
    finally:
        await store.close()


@dataclass(slots=True)
class Runtime:
    settings: Settings
    store: SqliteStore
    gateway: Gateway
    tasks: TaskEngine
    audit: BatchWriter[AuditRow]
    push: Any = None  # a2a.push.PushSender when push notifications are enabled

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, settings: Settings) -> AsyncIterator[Runtime]:
        store, cipher = await open_store(settings)
        try:
            if not settings.store_prepared:
                await prepare(store, cipher, settings)
            table = await load_table(store, cipher, settings)
            connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=60, ttl_dns_cache=300)
            async with aiohttp.ClientSession(connector=connector, auto_decompress=True) as session:
                server = settings.file.server
                executor = Executor(
                    session,
                    request_timeout=server.request_timeout_s,
                    idle_timeout=server.stream_idle_timeout_s,
                )
                usage = UsageRecorder(store)
                usage.start()
                router = await build_router(store, table, settings)
                keeper = StateKeeper(store, router)
                await keeper.load()
                keeper.start()
                gateway = Gateway(
                    table,
                    executor,
                    store,
                    usage,
                    router,
                    budgets=await load_budgets(store),
                    ledger=await seed_ledger(store),
                    idempotency=Idempotency(ttl_s=settings.file.routing.idempotency_window_s),
                )
                audit: BatchWriter[AuditRow] = BatchWriter(store.add_audit, name="audit")
                audit.start()
                a2a = settings.file.a2a
                push = PushSender(session, store, a2a) if a2a.push_enabled else None
                tasks = TaskEngine(store, gateway, SKILLS, notify=push.notify if push else None)
                try:
                    yield cls(settings, store, gateway, tasks, audit, push)
                finally:
                    await tasks.close()
                    if push is not None:
                        await push.close()
                    await audit.stop()
                    await keeper.stop()
                    await usage.stop()
        finally:
            await store.close()
