"""Changes to routing data made while the gateway runs (management API, MCP tools): each is
validated, written to the store, and only then applied to the live tables, so a change either
persists or the caller is told it failed.

Run-time settings kept in the store's state (`Store.get_state` / `put_state`):

    settings     {"default_model": name, "set_at": epoch s}: the default model or combo chosen with
                 `switch_default`; restored at start-up, where it wins over the config's default_model
    resilience   {"profile": name, "set_at": epoch s}: see `core.profiles`
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omniroute_agent.core import profiles
from omniroute_agent.core.budget import Budget, validate
from omniroute_agent.core.combos import validate_combo
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.price_feed import Skipped
from omniroute_agent.core.pricing import BUILTIN_PRICES, Price, PriceBook, merge
from omniroute_agent.core.resolve import Route, resolve
from omniroute_agent.core.table import Combo
from omniroute_agent.errors import InvalidRequest, NotFound
from omniroute_agent.store.base import BudgetRow, ComboRow, PriceRow

SETTINGS_KEY = "settings"


@dataclass(slots=True)
class PriceSync:
    """What a price sync did, by model name."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(slots=True)
class DbCheck:
    """`PRAGMA integrity_check` ("ok", or the problems found), and what a repair did."""

    integrity: list[str]
    db_bytes: int
    backup_path: Path | None = None
    backup_bytes: int | None = None
    integrity_after: list[str] | None = None  # after a repair
    db_bytes_after: int | None = None

    @property
    def ok(self) -> bool:
        return (self.integrity_after or self.integrity) == ["ok"]


@dataclass(slots=True)
class Admin:
    gateway: Gateway

    async def save_combo(self, name: str, strategy: str, models: list[str], config: dict[str, Any]) -> Combo:
        row = ComboRow(name, strategy, list(models), dict(config))
        validate_combo(self.gateway.table, row)
        await self.gateway.store.upsert_combo(row)
        self.gateway.table.put_combo(row)
        self.gateway.router.combo_states.pop(name, None)  # a changed combo starts its strategy afresh
        return self.gateway.table.combos[name]

    async def set_strategy(self, name: str, strategy: str, weights: list[float] | None = None) -> Combo:
        """A stored combo with another strategy (and weights, when given); its targets are kept."""
        combo = self.gateway.table.combos.get(name)
        if combo is None:
            raise NotFound(f"no combo '{name}'")
        config = dict(combo.config)
        if weights is not None:
            config["weights"] = list(weights)
        return await self.save_combo(name, strategy, list(combo.models), config)

    async def switch_default(self, name: str) -> Route:
        """Makes `name` (a combo or a model; it must resolve) the model of requests that name none."""
        route = resolve(self.gateway.table, name)
        await self.gateway.store.put_state(
            {SETTINGS_KEY: {"default_model": route.requested, "set_at": round(time.time(), 3)}}
        )
        self.gateway.table.default_model = route.requested
        return route

    async def set_resilience_profile(self, name: str) -> profiles.ResilienceProfile:
        profile = profiles.profile_named(name)
        await self.gateway.store.put_state({profiles.STATE_KEY: {"profile": name, "set_at": round(time.time(), 3)}})
        profiles.apply(self.gateway.router, profile)
        return profile

    async def delete_combo(self, name: str) -> None:
        users = [c.name for c in self.gateway.table.combos.values() if name in c.models]
        if users:
            raise InvalidRequest(f"combo '{name}' is a member of {', '.join(users)}; remove it there first")
        if not await self.gateway.store.delete_combo(name):
            raise NotFound(f"no combo '{name}'")
        self.gateway.table.combos.pop(name, None)
        self.gateway.router.combo_states.pop(name, None)

    async def update_connection(self, connection_id: str, *, enabled: bool | None, priority: int | None) -> None:
        for provider in self.gateway.table.providers.values():
            for conn in provider.connections:
                if conn.id == connection_id:
                    changed = replace(
                        conn,
                        enabled=conn.enabled if enabled is None else enabled,
                        priority=conn.priority if priority is None else priority,
                    )
                    if changed.label.startswith("environment"):
                        raise InvalidRequest("a connection from an environment variable is not stored; edit it there")
                    await self.gateway.store.upsert_connection(changed)
                    self.gateway.table.put_connection(changed)
                    return
        raise NotFound(f"no connection '{connection_id}'")

    async def save_price(self, row: PriceRow) -> None:
        if row.input is None or row.output is None or row.input < 0 or row.output < 0:
            raise InvalidRequest("a price needs non-negative 'input' and 'output' (USD per 1M tokens)")
        await self.gateway.store.upsert_price(row)
        await self.reload_prices()

    async def sync_prices(self, rows: Sequence[PriceRow]) -> PriceSync:
        """Upserts prices from a feed with source "sync"; a model priced by the user (source "user",
        compared case-insensitively) is skipped, never overwritten. Reloads the price book."""
        stored = {p.model.strip().lower(): p for p in await self.gateway.store.list_prices()}
        report = PriceSync()
        for row in rows:
            old = stored.get(row.model.strip().lower())
            if old is not None and old.source == "user":
                report.skipped.append(Skipped(row.model, "a user price: a sync never overwrites it"))
                continue
            new = replace(row, model=old.model if old else row.model.strip(), source="sync")
            if old == new:
                report.unchanged.append(new.model)
                continue
            await self.gateway.store.upsert_price(new)
            stored[new.model.lower()] = new
            (report.updated if old else report.added).append(new.model)
        await self.reload_prices()
        return report

    async def reload_prices(self) -> None:
        router = self.gateway.router
        router.prices = price_book(await self.gateway.store.list_prices(), router.prices.aliases)

    async def save_budget(self, budget: Budget) -> str:
        validate(budget)
        if budget.degrade_to is not None:
            try:
                resolve(self.gateway.table, budget.degrade_to)
            except (InvalidRequest, NotFound) as exc:
                raise InvalidRequest(f"degrade_to: {exc.message}", param="degrade_to") from None
        budget_id = f"{budget.scope}/{budget.period}"
        await self.gateway.store.upsert_budget(
            BudgetRow(budget_id, budget.scope, budget.period, budget.limit_usd, budget.action, budget.degrade_to)
        )
        self.gateway.budgets = [b for b in self.gateway.budgets if (b.scope, b.period) != (budget.scope, budget.period)]
        self.gateway.budgets.append(budget)
        return budget_id

    async def delete_budget(self, budget_id: str) -> None:
        if not await self.gateway.store.delete_budget(budget_id):
            raise NotFound(f"no budget '{budget_id}'")
        self.gateway.budgets = [b for b in self.gateway.budgets if f"{b.scope}/{b.period}" != budget_id]

    async def check_database(self, db_path: Path, *, repair: bool = False) -> DbCheck:
        """Integrity check of the store; with `repair`, a backup first (`<dir of db>/backups/
        omniroute-<UTC timestamp>.db`), then the store's repair (REINDEX, VACUUM) and a second check."""
        store = self.gateway.store
        check = DbCheck(await store.integrity_check(), await _size(db_path))
        if not repair:
            return check
        check.backup_path = await asyncio.to_thread(backup_path, db_path.parent / "backups", datetime.now(UTC))
        await store.backup(check.backup_path)
        check.backup_bytes = await _size(check.backup_path)
        await store.repair()
        check.integrity_after = await store.integrity_check()
        check.db_bytes_after = await _size(db_path)
        return check


def backup_path(folder: Path, now: datetime) -> Path:
    """`folder/omniroute-<YYYYmmddTHHMMSSZ>.db`, with `-2`, `-3`, ... when that name is taken."""
    stem = f"omniroute-{now:%Y%m%dT%H%M%SZ}"
    path, n = folder / f"{stem}.db", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}.db"
    return path


async def _size(path: Path) -> int:
    return (await asyncio.to_thread(path.stat)).st_size


def price_book(rows: list[PriceRow], aliases: Mapping[str, str]) -> PriceBook:
    """Built-in list prices under the stored ones: user prices win over synced, never the reverse."""
    user = {p.model: price_of(p) for p in rows if p.source == "user" and p.input is not None}
    synced = {p.model: price_of(p) for p in rows if p.source != "user" and p.input is not None}
    return merge(BUILTIN_PRICES, user, synced, aliases=aliases)


def price_of(row: PriceRow) -> Price:
    return Price(
        input=row.input or 0.0,
        output=row.output or 0.0,
        cached_input=row.cached_input,
        context_window=row.context_window,
    )
