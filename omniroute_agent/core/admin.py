"""Changes to routing data made while the gateway runs (management API, MCP tools): each is
validated, written to the store, and only then applied to the live tables, so a change either
persists or the caller is told it failed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from omniroute_agent.core.budget import Budget, validate
from omniroute_agent.core.combos import validate_combo
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.pricing import BUILTIN_PRICES, Price, PriceBook, merge
from omniroute_agent.core.table import Combo
from omniroute_agent.errors import InvalidRequest, NotFound
from omniroute_agent.store.base import BudgetRow, ComboRow, PriceRow


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

    async def reload_prices(self) -> None:
        router = self.gateway.router
        router.prices = price_book(await self.gateway.store.list_prices(), router.prices.aliases)

    async def save_budget(self, budget: Budget) -> str:
        validate(budget)
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
