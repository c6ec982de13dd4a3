"""The fallback walk: which targets, in which order, on which accounts, and what each failure means.

One request resolves to targets (a combo's, ordered by its strategy). For each target the
provider's circuit breaker is asked first, then its ready connections are tried in the account
strategy's order. A failure is classified (`core.classify`) and its class decides, from one table:
another account of the same target, the next target, or an answer to the caller at once; how long
the connection cools down (exponential backoff, the provider's own wait, or a long wait for a
rejected key or an exhausted quota); whether the provider's breaker counts it.

Bounded: at most `max_attempts` upstream calls (the combo's config, else the router's) and the
combo's `timeout_s`. When nothing could be tried because every connection is cooling down for
less than `max_cooldown_wait_s`, the walk waits for the first one once instead of failing.
Every try becomes an `Attempt` (target, connection, status, class, cooldown applied, latency).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from omniroute_agent.core.accounts import Accounts, Strategy
from omniroute_agent.core.breaker import Breaker
from omniroute_agent.core.classify import assess, headroom, quota_snapshot
from omniroute_agent.core.combos import DEFAULT_MAX_ATTEMPTS, ComboConfig, parse_config
from omniroute_agent.core.metrics import Metrics
from omniroute_agent.core.pricing import PriceBook, blended_price
from omniroute_agent.core.resolve import Route, Target, resolve
from omniroute_agent.core.strategies import ComboState, TargetView, order, record_success
from omniroute_agent.core.table import Combo, Provider, RoutingTable
from omniroute_agent.errors import Attempt, InvalidRequest, RoutingFailed, UpstreamError
from omniroute_agent.formats import Format
from omniroute_agent.store.base import ConnectionRow
from omniroute_agent.translate.registry import CODECS

T = TypeVar("T")
AttemptCall = Callable[[Target, Provider, ConnectionRow], Awaitable[T]]


@dataclass(slots=True)
class Picked:
    target: Target
    connection: ConnectionRow
    provider_format: Format


@dataclass(slots=True)
class _Budget:
    """What one request may still spend: upstream calls and time."""

    calls_left: int
    deadline: float | None
    per_target: int | None = None  # tries of one target on its accounts: 1 + retries_per_target

    def exhausted(self, now: float) -> str | None:
        if self.calls_left <= 0:
            return "max attempts reached"
        if self.deadline is not None and now >= self.deadline:
            return "combo timeout reached"
        return None


@dataclass(slots=True)
class Router(Generic[T]):
    table: RoutingTable
    accounts: Accounts = field(default_factory=Accounts)
    breaker: Breaker = field(default_factory=Breaker)
    metrics: Metrics = field(default_factory=Metrics)
    prices: PriceBook = field(default_factory=PriceBook)
    combo_states: dict[str, ComboState] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    max_cooldown_wait_s: float = 2.0
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    exploration: float = 0.05
    _configs: dict[str, tuple[dict[str, Any], ComboConfig]] = field(default_factory=dict, repr=False)

    def plan(self, requested: str) -> tuple[Route, _Budget]:
        """The targets in the order this request tries them, and what the request may spend."""
        route = resolve(self.table, requested)
        if route.combo is None:
            return route, _Budget(self.max_attempts, None)
        combo = self.table.combos[route.combo]
        config = self._config(combo)
        if combo.strategy == "priority":
            ordered = route  # the written order: no target needs looking at (health, price, latency)
        else:
            weights = config.weights or []
            views = [self.view(t, weights[i] if i < len(weights) else 1.0) for i, t in enumerate(route.targets)]
            state = self.combo_states.setdefault(route.combo, ComboState())
            indexes = order(combo.strategy, views, state, self.rng, exploration=self.exploration)
            ordered = replace(route, targets=tuple(route.targets[i] for i in indexes))
        deadline = self.clock() + config.timeout_s if config.timeout_s else None
        per_target = None if config.retries_per_target is None else 1 + config.retries_per_target
        return ordered, _Budget(config.max_attempts, deadline, per_target)

    def _config(self, combo: Combo) -> ComboConfig:
        """The combo's parsed config, parsed again only when the table gave it a new config dict."""
        cached = self._configs.get(combo.name)
        if cached is None or cached[0] is not combo.config:
            cached = self._configs[combo.name] = (combo.config, parse_config(combo.config))
        return cached[1]

    def view(self, target: Target, weight: float = 1.0) -> TargetView:
        """What a strategy may know about a target now (see `core.strategies`)."""
        price = self.prices.lookup(target.label)
        requests, error_rate, p95 = self.metrics.recent(target.label)
        return TargetView(
            label=target.label,
            weight=weight,
            price_per_mtok=blended_price(price) if price else None,
            context_window=price.context_window if price else None,
            health=self.health(target),
            latency_p95_ms=p95,
            error_rate=error_rate,
            recent_requests=requests,
            quota_headroom=self.accounts.headroom_of(target.provider.enabled_connections) if target.provider else 1.0,
        )

    def health(self, target: Target) -> float:
        provider = target.provider
        if provider is None or not provider.enabled_connections or self.breaker.state(provider.id) == "open":
            return 0.0
        ready = [c for c in provider.enabled_connections if self.accounts.cooldown_left(c.id, target.model) <= 0]
        return len(ready) / len(provider.enabled_connections)

    async def walk(self, requested: str, attempts: list[Attempt], call: AttemptCall[T]) -> tuple[T, Picked]:
        route, budget = self.plan(requested)
        refused: list[InvalidRequest] = []
        found, soonest, stop = await self._pass(route, attempts, refused, budget, call)
        if found is None and stop is None and soonest is not None and soonest <= self.max_cooldown_wait_s:
            # Nothing was tried because every connection is cooling down, and not for long: wait for
            # the first one rather than failing a request that a second's patience would serve.
            await asyncio.sleep(soonest + 0.005)
            found, _, stop = await self._pass(route, attempts, refused, budget, call)
        if found is not None:
            if route.combo is not None:
                record_success(self.combo_states.setdefault(route.combo, ComboState()), found[1].target.label)
            return found
        if refused and len(refused) == sum(1 for a in attempts if a.connection):
            raise refused[0]  # no target could express the request: the caller's 400, as it is
        cooldowns = [a.cooldown_s for a in attempts if a.cooldown_s is not None]
        raise RoutingFailed(requested, attempts, retry_after=min(cooldowns, default=soonest), note=stop)

    async def _pass(
        self,
        route: Route,
        attempts: list[Attempt],
        refused: list[InvalidRequest],
        budget: _Budget,
        call: AttemptCall[T],
    ) -> tuple[tuple[T, Picked] | None, float | None, str | None]:
        """One walk over the targets: (success, the shortest cooldown that kept every connection
        from being tried when none was, why the walk stopped early)."""
        soonest: float | None = None
        tried = False
        for target in route.targets:
            provider = target.provider
            if provider is None:
                attempts.append(Attempt(target.label, None, None, "provider is not configured"))
                continue
            if not self.breaker.allow(provider.id):
                attempts.append(
                    Attempt(
                        target.label,
                        None,
                        None,
                        f"circuit {self.breaker.state(provider.id)}",
                        error_class="circuit_open",
                    )
                )
                continue
            ready, cooling = self._connections(target, provider)
            if not ready:
                self.breaker.release(provider.id)
                if cooling:
                    left = min(self.accounts.cooldown_left(c.id, target.model) for c in cooling)
                    soonest = left if soonest is None else min(soonest, left)
                    reason = f"all {len(cooling)} connections cooling down ({left:.1f}s left)"
                else:
                    reason = "no connection" + (f" '{target.pin}'" if target.pin else "")
                attempts.append(Attempt(target.label, None, None, reason))
                continue
            if budget.per_target is not None:
                ready = ready[: budget.per_target]
            for conn in ready:
                if stop := budget.exhausted(self.clock()):
                    self.breaker.release(provider.id)
                    return None, None, stop
                budget.calls_left -= 1
                tried = True
                outcome = await self._try(target, provider, conn, attempts, refused, call)
                if isinstance(outcome, tuple):
                    return outcome, None, None
                if outcome == "next-target":
                    break
        return None, (None if tried else soonest), None

    def _connections(self, target: Target, provider: Provider) -> tuple[list[ConnectionRow], list[ConnectionRow]]:
        strategy: Strategy | None = provider.account_strategy  # type: ignore[assignment]
        ready, cooling = self.accounts.order(provider, model=target.model, strategy=strategy)
        if target.pin:
            return [c for c in ready if c.id == target.pin], [c for c in cooling if c.id == target.pin]
        return ready, cooling

    async def _try(
        self,
        target: Target,
        provider: Provider,
        conn: ConnectionRow,
        attempts: list[Attempt],
        refused: list[InvalidRequest],
        call: AttemptCall[T],
    ) -> tuple[T, Picked] | str:
        """One upstream call: the success, or what to do next ("next-account" / "next-target")."""
        t0 = time.perf_counter()
        try:
            result = await call(target, provider, conn)
        except InvalidRequest as exc:
            # This target's format cannot express the request: another target may.
            self.breaker.release(provider.id)
            refused.append(exc)
            attempts.append(Attempt(target.label, conn.id, 400, exc.message, error_class="unsupported"))
            return "next-target"
        except UpstreamError as exc:
            exc.format = provider.format
            elapsed = (time.perf_counter() - t0) * 1000
            self.metrics.observe(target.label, elapsed, ok=False)
            now = self.wall()
            verdict = assess(exc, now=now)
            decision = verdict.decision
            if snapshot := quota_snapshot(exc.headers, now=now):
                self.accounts.set_headroom(conn.id, headroom(snapshot))
            if decision.count_for_breaker:
                self.breaker.record_failure(provider.id)
            else:
                self.breaker.release(provider.id)
            cooldown = None
            if decision.cooldown != "none":
                cooldown = self.accounts.failed(
                    conn.id,
                    model=target.model,
                    retry_after=verdict.wait_s,
                    base=decision.base_cooldown_s,
                    per_model=decision.per_model,
                )
            attempts.append(
                Attempt(
                    target.label,
                    conn.id,
                    exc.status,
                    _reason(exc, provider.format),
                    elapsed,
                    cooldown,
                    error_class=verdict.failure,
                )
            )
            if not (decision.next_account or decision.next_target):
                raise
            return "next-account" if decision.next_account else "next-target"
        elapsed = (time.perf_counter() - t0) * 1000
        self.metrics.observe(target.label, elapsed, ok=True)
        self.accounts.succeeded(conn.id, target.model)
        self.breaker.record_success(provider.id)
        attempts.append(Attempt(target.label, conn.id, 200, None, elapsed))
        return result, Picked(target, conn, provider.format)


def _reason(exc: UpstreamError, fmt: Format) -> str:
    """The provider's own error message (read from its format's error body), else ours."""
    if exc.body:
        message, _ = CODECS[fmt].parse_error(exc.status, exc.body)
        return message[:300]
    return exc.message
