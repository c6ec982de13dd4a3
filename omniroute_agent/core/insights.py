"""Read-only views of the live core, for the MCP tools and the management API: metrics per target,
provider and combo, quota and budgets, this process's session and cost reports.

Where each number comes from:

    router.metrics    latency percentiles and success rate over a target's last `metrics.WINDOW` calls;
                      request counts since this process started; recent counts over `metrics.RECENT_S`
    router.accounts   cooldowns left and backoff levels; quota headroom as last read from a
                      connection's rate-limit headers (None when it never sent any)
    router.breaker    each provider's circuit
    gateway.ledger    budget spending in the current period (seeded from the store at start)
    store             usage rows (requests, tokens, cost) of every process that shares the data dir

Nothing here changes routing state. Unknown names raise `NotFound`, bad values `InvalidRequest`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field

from omniroute_agent.core.budget import period_start
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.resolve import resolve
from omniroute_agent.core.router import Router
from omniroute_agent.core.table import Provider
from omniroute_agent.errors import NotFound

Period = Literal["session", "day", "week", "month"]
GroupBy = Literal["provider", "model", "combo"]
TOP_MODELS = 5


class Latency(BaseModel):
    p50: float
    p95: float
    p99: float


class TargetStats(BaseModel):
    target: str = Field(description="provider/model")
    requests: int = Field(description="calls to this target since the process started")
    failed: int = Field(description="of those, calls that failed")
    success_rate: float | None = Field(description="over the last calls kept (up to 500); None before any call")
    latency_ms: Latency | None = Field(description="percentiles of successful calls among the last kept")
    recent_requests: int = Field(description="calls in the last 5 minutes")
    recent_error_rate: float = Field(description="failed share of the calls in the last 5 minutes")


class CircuitInfo(BaseModel):
    state: str = Field(description="closed, open or half-open")
    failures: int = Field(description="consecutive failures counted towards opening it")
    open_for_s: float | None = Field(description="seconds until an open circuit lets a probe through")


class ConnectionState(BaseModel):
    connection: str
    label: str
    enabled: bool
    priority: int
    headroom: float | None = Field(description="quota left (0..1) per its last rate-limit headers; None: never sent")
    cooldown_s: float = Field(description="seconds until the connection is ready again (0: ready)")
    model_cooldowns: dict[str, float] = Field(description="model → seconds left, for per-model cooldowns")
    backoff_level: int = Field(description="consecutive failures since its last success")


class ProviderMetrics(BaseModel):
    provider: str
    format: str
    requests: int = Field(description="calls to the provider's targets since the process started")
    failed: int
    error_rate: float | None = Field(description="failed / requests; None before any call")
    circuit: CircuitInfo
    targets: list[TargetStats] = Field(description="one entry per model target that was called")
    connections: list[ConnectionState]


class UsageTotals(BaseModel):
    requests: int = 0
    succeeded: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0

    @classmethod
    def of(cls, rows: Iterable[Mapping[str, Any]]) -> UsageTotals:
        """The sum of `Store.usage_totals` rows."""
        rows = list(rows)
        total = {k: sum(int(r.get(k) or 0) for r in rows) for k in _COUNTS}
        return cls(
            **total,
            failed=total["requests"] - total["succeeded"],
            cost_usd=round(sum(float(r.get("cost_usd") or 0.0) for r in rows), 8),
        )


_COUNTS = ("requests", "succeeded", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens")


class UsageGroup(UsageTotals):
    key: str | None = Field(description="the provider, target or combo; None for requests no target answered")


class StrategyState(BaseModel):
    counter: int = Field(description="round-robin: requests ordered so far")
    last_good: str | None = Field(description="the target that answered last (lkgp leads with it)")
    deck: list[str] = Field(description="strict-random: targets still to lead this round")


class ComboMetrics(BaseModel):
    combo: str
    strategy: str
    models: list[str] = Field(description="members as written")
    targets: list[TargetStats] = Field(description="each resolved target, measured over all requests that tried it")
    state: StrategyState | None = Field(description="the strategy's memory; None before the combo's first request")
    usage_today: UsageTotals = Field(description="requests naming this combo since 00:00 UTC, from the store")
    usage_all: UsageTotals = Field(description="every stored request naming this combo")


class BudgetStatus(BaseModel):
    id: str
    scope: str
    period: str
    period_start: float = Field(description="Unix time the current period began (UTC)")
    limit_usd: float
    spent_usd: float
    remaining_usd: float
    used: float = Field(description="spent / limit")
    exhausted: bool
    action: str = Field(description="what an exhausted budget does: block or degrade")
    degrade_to: str | None


class ProviderQuota(BaseModel):
    provider: str
    circuit: CircuitInfo
    connections: list[ConnectionState]


class QuotaReport(BaseModel):
    providers: list[ProviderQuota]
    budgets: list[BudgetStatus] = Field(description="every budget (budgets are not per provider)")


class Cooldown(BaseModel):
    provider: str | None
    connection: str
    model: str | None = Field(description="None: the whole connection")
    seconds_left: float
    level: int


class OpenCircuit(BaseModel):
    provider: str
    state: str = Field(description="open or half-open")
    open_for_s: float | None


class ModelCount(BaseModel):
    target: str
    requests: int
    cost_usd: float


class SessionSnapshot(BaseModel):
    started_at: float = Field(description="Unix time this process started")
    uptime_s: float
    totals: UsageTotals = Field(description="requests this process served, from the store")
    top_models: list[ModelCount] = Field(description="the targets that answered most, most first")
    cooldowns: list[Cooldown]
    open_circuits: list[OpenCircuit]


class CostReport(BaseModel):
    period: str
    since: float = Field(description="Unix time the period began: process start, or 00:00 UTC day/Monday/1st")
    totals: UsageTotals
    by_provider: list[UsageGroup]
    by_model: list[UsageGroup]
    by_combo: list[UsageGroup]


def target_stats(router: Router[Any]) -> dict[str, TargetStats]:
    """Every target the router has called, by label."""
    stats: dict[str, TargetStats] = {}
    for row in router.metrics.report():
        recent, error_rate, _ = router.metrics.recent(row["target"])
        latency = row["latency_ms"]
        stats[row["target"]] = TargetStats(
            target=row["target"],
            requests=row["requests"],
            failed=row["failed"],
            success_rate=row["success_rate"],
            latency_ms=Latency.model_validate(latency) if latency else None,
            recent_requests=recent,
            recent_error_rate=round(error_rate, 4),
        )
    return stats


def stats_of(stats: Mapping[str, TargetStats], label: str) -> TargetStats:
    """A target's stats; zeros for a target never called."""
    return stats.get(label) or TargetStats(
        target=label,
        requests=0,
        failed=0,
        success_rate=None,
        latency_ms=None,
        recent_requests=0,
        recent_error_rate=0.0,
    )


def find_provider(router: Router[Any], name: str) -> Provider:
    provider = router.table.provider(name)
    if provider is None:
        known = ", ".join(sorted(router.table.providers)) or "none configured"
        raise NotFound(f"no provider '{name}' (providers: {known})")
    return provider


def circuit(router: Router[Any], provider_id: str) -> CircuitInfo:
    breaker = router.breaker
    state = breaker.state(provider_id)
    entry = next((e for e in breaker.snapshot()["circuits"] if e["provider"] == provider_id), None)
    until = entry["until"] if entry else None
    open_for = round(max(0.0, until - breaker.wall()), 3) if state == "open" and until is not None else None
    return CircuitInfo(state=state, failures=entry["failures"] if entry else 0, open_for_s=open_for)


def connection_states(router: Router[Any], provider: Provider) -> list[ConnectionState]:
    """The provider's connections in account order (priority), each with its cooldowns and headroom."""
    accounts = router.accounts
    entries = accounts.snapshot()["cooldowns"]
    states: list[ConnectionState] = []
    for conn in provider.connections:
        own = [e for e in entries if e["connection"] == conn.id]
        whole = next((e for e in own if e["model"] is None), None)
        states.append(
            ConnectionState(
                connection=conn.id,
                label=conn.label,
                enabled=conn.enabled,
                priority=conn.priority,
                headroom=accounts.known_headroom(conn.id),
                cooldown_s=round(accounts.cooldown_left(conn.id, None), 3),
                model_cooldowns={e["model"]: e["left"] for e in own if e["model"] is not None and e["left"] > 0},
                backoff_level=whole["level"] if whole else 0,
            )
        )
    return states


def provider_metrics(gateway: Gateway, name: str) -> ProviderMetrics:
    router = gateway.router
    provider = find_provider(router, name)
    targets = [s for label, s in target_stats(router).items() if label.partition("/")[0] == provider.id]
    requests = sum(t.requests for t in targets)
    failed = sum(t.failed for t in targets)
    return ProviderMetrics(
        provider=provider.id,
        format=provider.format,
        requests=requests,
        failed=failed,
        error_rate=round(failed / requests, 4) if requests else None,
        circuit=circuit(router, provider.id),
        targets=targets,
        connections=connection_states(router, provider),
    )


async def combo_metrics(gateway: Gateway, name: str, *, now: float | None = None) -> ComboMetrics:
    combo = gateway.table.combos.get(name)
    if combo is None:
        known = ", ".join(sorted(gateway.table.combos)) or "none configured"
        raise NotFound(f"no combo '{name}' (combos: {known})")
    stats = target_stats(gateway.router)
    labels = list(dict.fromkeys(t.label for t in resolve(gateway.table, name).targets))
    state = gateway.router.combo_states.get(name)
    await gateway.usage.flush()
    today = period_start("day", time.time() if now is None else now)
    return ComboMetrics(
        combo=name,
        strategy=combo.strategy,
        models=list(combo.models),
        targets=[stats_of(stats, label) for label in labels],
        state=None if state is None else StrategyState.model_validate(state.to_dict()),
        usage_today=await _combo_usage(gateway, name, today),
        usage_all=await _combo_usage(gateway, name, 0.0),
    )


async def _combo_usage(gateway: Gateway, name: str, since: float) -> UsageTotals:
    rows = await gateway.store.usage_totals(since=since, group_by="combo")
    return UsageTotals.of(r for r in rows if r["combo"] == name)


def budget_statuses(gateway: Gateway, now: float | None = None) -> list[BudgetStatus]:
    now = time.time() if now is None else now
    statuses: list[BudgetStatus] = []
    for b in gateway.budgets:
        start = period_start(b.period, now)
        spent = gateway.ledger.spent(b.scope, start)
        statuses.append(
            BudgetStatus(
                id=f"{b.scope}/{b.period}",
                scope=b.scope,
                period=b.period,
                period_start=start,
                limit_usd=b.limit_usd,
                spent_usd=round(spent, 8),
                remaining_usd=round(max(0.0, b.limit_usd - spent), 8),
                used=round(spent / b.limit_usd, 4),
                exhausted=spent >= b.limit_usd,
                action=b.action,
                degrade_to=b.degrade_to,
            )
        )
    return statuses


def quota_report(gateway: Gateway, provider: str | None = None, *, now: float | None = None) -> QuotaReport:
    router = gateway.router
    providers = [find_provider(router, provider)] if provider else list(router.table.providers.values())
    return QuotaReport(
        providers=[
            ProviderQuota(provider=p.id, circuit=circuit(router, p.id), connections=connection_states(router, p))
            for p in providers
        ],
        budgets=budget_statuses(gateway, now),
    )


async def session_snapshot(gateway: Gateway, *, now: float | None = None) -> SessionSnapshot:
    router = gateway.router
    now = time.time() if now is None else now
    await gateway.usage.flush()
    by_target = await gateway.store.usage_totals(since=gateway.started_at, group_by="model")
    answered = sorted((r for r in by_target if r["model"]), key=lambda r: (-r["requests"], r["model"]))
    owner = {c.id: p.id for p in router.table.providers.values() for c in p.connections}
    circuits = {p: circuit(router, p) for p in router.table.providers}
    return SessionSnapshot(
        started_at=gateway.started_at,
        uptime_s=round(now - gateway.started_at, 3),
        totals=UsageTotals.of(by_target),
        top_models=[
            ModelCount(target=r["model"], requests=r["requests"], cost_usd=r["cost_usd"]) for r in answered[:TOP_MODELS]
        ],
        cooldowns=[
            Cooldown(
                provider=owner.get(e["connection"]),
                connection=e["connection"],
                model=e["model"],
                seconds_left=e["left"],
                level=e["level"],
            )
            for e in router.accounts.snapshot()["cooldowns"]
            if e["left"] > 0
        ],
        open_circuits=[
            OpenCircuit(provider=p, state=c.state, open_for_s=c.open_for_s)
            for p, c in circuits.items()
            if c.state != "closed"
        ],
    )


def period_since(gateway: Gateway, period: Period, now: float | None = None) -> float:
    """Unix time a report period began: the process's start for "session", else the UTC calendar."""
    if period == "session":
        return gateway.started_at
    return period_start(period, time.time() if now is None else now)


async def cost_report(gateway: Gateway, period: Period, *, now: float | None = None) -> CostReport:
    since = period_since(gateway, period, now)
    await gateway.usage.flush()
    groups: dict[GroupBy, list[UsageGroup]] = {}
    for group in ("provider", "model", "combo"):
        rows = await gateway.store.usage_totals(since=since, group_by=group)
        groups[group] = [UsageGroup(key=r[group] or None, **UsageTotals.of([r]).model_dump()) for r in rows]
    return CostReport(
        period=period,
        since=since,
        totals=UsageTotals.of(g.model_dump() for g in groups["provider"]),
        by_provider=groups["provider"],
        by_model=groups["model"],
        by_combo=groups["combo"],
    )
