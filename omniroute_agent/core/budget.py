"""Spending budgets per gateway key, per combo or for the whole gateway, and their verdict on a request.

A `Budget`:

    scope       "key:<key id>" (requests made with that gateway key), "combo:<name>" (requests that
                name that combo), or "global" (every request)
    period      "day" (from 00:00 UTC), "week" (from Monday 00:00 UTC) or "month" (from the 1st, 00:00
                UTC); spending counts from the start of the current period, so it resets at each start
    limit_usd   the most the scope may spend in one period (> 0); a budget is exhausted once the
                spending reaches it (spent >= limit)
    action      what an exhausted budget does to a request: "block" refuses it, "degrade" sends it to
                `degrade_to` instead
    degrade_to  a model or combo name (required with "degrade", not allowed with "block")

`check(budgets, spent, key_id=..., combo=..., now=...)` is pure: it asks `spent(scope, period_start)`
for the USD spent by a scope since a period start, and answers with a `Verdict`:

    allow       no applicable budget is exhausted
    block       an exhausted "block" budget applies (block wins over degrade); the message names the
                budget, what was spent and the limit
    degrade     only "degrade" budgets are exhausted; the first of them in the list names the target

Budgets apply when their scope is "global", "key:<key_id>" or "combo:<combo>" of the request. Times
are wall-clock seconds since the epoch (`time.time`), not monotonic: periods follow the calendar.
`Ledger` is an in-memory `spent` that adds each answer's cost to every scope it counts for.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

from omniroute_agent.errors import InvalidRequest

Period = Literal["day", "week", "month"]
Action = Literal["block", "degrade"]
Decision = Literal["allow", "block", "degrade"]
Spent = Callable[[str, float], float]  # (scope, period start) -> USD spent since then

GLOBAL = "global"
_SCOPE_KINDS = ("key:", "combo:")
_DAY_S = 86_400.0
LEDGER_KEEP_S = 32 * _DAY_S  # the longest period (a month) plus a day


@dataclass(frozen=True, slots=True)
class Budget:
    scope: str
    period: Period
    limit_usd: float
    action: Action = "block"
    degrade_to: str | None = None

    def __post_init__(self) -> None:
        validate(self)


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: Decision
    budget: Budget | None = None  # the budget that decided; None for allow
    spent_usd: float = 0.0
    degrade_to: str | None = None
    message: str = ""


ALLOW = Verdict("allow")


def validate(budget: Budget) -> None:
    """Raises InvalidRequest (with `param`) for a budget that cannot be evaluated."""
    scope = budget.scope
    kind = next((k for k in _SCOPE_KINDS if scope.startswith(k)), None)
    if scope != GLOBAL and (kind is None or not scope[len(kind) :].strip()):
        raise InvalidRequest(
            f"budget scope must be 'global', 'key:<key id>' or 'combo:<name>', got {scope!r}", param="scope"
        )
    if budget.period not in get_args(Period):
        raise InvalidRequest(f"budget period must be day, week or month, not {budget.period!r}", param="period")
    limit = budget.limit_usd
    if not _positive_amount(limit):
        raise InvalidRequest(f"budget limit_usd must be a positive amount, got {limit!r}", param="limit_usd")
    if budget.action not in get_args(Action):
        raise InvalidRequest(f"budget action must be block or degrade, got {budget.action!r}", param="action")
    if budget.action == "degrade" and not (budget.degrade_to or "").strip():
        raise InvalidRequest("a 'degrade' budget needs degrade_to (a model or combo)", param="degrade_to")
    if budget.action == "block" and budget.degrade_to is not None:
        raise InvalidRequest("degrade_to is only meaningful with action 'degrade'", param="degrade_to")


def _positive_amount(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def period_start(period: Period, now: float) -> float:
    """Epoch seconds of the current period's start in UTC: midnight, Monday midnight, the 1st."""
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        day -= timedelta(days=day.weekday())
    elif period == "month":
        day = day.replace(day=1)
    return day.timestamp()


def scopes(*, key_id: str | None, combo: str | None) -> tuple[str, ...]:
    """The scopes a request counts for: always "global", plus its key and its combo when it has them."""
    return (GLOBAL, *((f"key:{key_id}",) if key_id else ()), *((f"combo:{combo}",) if combo else ()))


def check(budgets: Iterable[Budget], spent: Spent, *, key_id: str | None, combo: str | None, now: float) -> Verdict:
    """The verdict of the budgets that apply to a request with this key and combo; see the module doc."""
    applicable = set(scopes(key_id=key_id, combo=combo))
    degrade: Verdict | None = None
    for budget in budgets:
        if budget.scope not in applicable:
            continue
        start = period_start(budget.period, now)
        used = spent(budget.scope, start)
        if used < budget.limit_usd:
            continue
        if budget.action == "block":
            return Verdict("block", budget, used, None, _message(budget, used, start, "blocked"))
        if degrade is None:
            note = f"degraded to '{budget.degrade_to}'"
            degrade = Verdict("degrade", budget, used, budget.degrade_to, _message(budget, used, start, note))
    return degrade or ALLOW


def _message(budget: Budget, used: float, start: float, outcome: str) -> str:
    since = datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%MZ")
    return (
        f"budget {budget.scope} ({budget.period}) is exhausted: spent ${used:.4f} of ${budget.limit_usd:.2f} "
        f"since {since}; request {outcome}"
    )


@dataclass(slots=True)
class Ledger:
    """USD spent per scope per UTC day, in memory. `spent` fits `check`; days older than
    LEDGER_KEEP_S before the latest `add` are dropped. Seed it from stored usage at start."""

    _days: dict[str, dict[float, float]] = field(default_factory=dict)

    def add(self, scope_names: Sequence[str], usd: float, now: float) -> None:
        day = period_start("day", now)
        for scope in scope_names:
            days = self._days.setdefault(scope, {})
            days[day] = days.get(day, 0.0) + usd
            for old in [d for d in days if d < day - LEDGER_KEEP_S]:
                del days[old]

    def spent(self, scope: str, since: float) -> float:
        return sum(usd for day, usd in self._days.get(scope, {}).items() if day >= since)
