"""A dry run of the fallback walk (`core.router`): for a model or combo, the targets in the order the
next request would try them, and for each whether it would be tried or skipped and why.

Nothing is sent and no routing state moves. The combo's strategy orders a copy of the combo's state
(round-robin counter, deck, last known good) with a copy of the router's random generator, so the
order shown is the one the next request gets, unless another request comes first or a cooldown
ends meanwhile.

Before routing, the budgets that apply to the request (global, the combo's, the key's) may block it
or degrade it to another model or combo; a degraded request walks that one. Then, per target, the
router's own checks in its order:

    provider not configured                       skipped
    circuit open                                  skipped (seconds until a probe); half-open: tried,
                                                  as the probe
    no enabled connection, pinned one missing     skipped
    every connection cooling down                 skipped (seconds left); when no target can be
                                                  tried and the soonest is within the router's
                                                  `max_cooldown_wait_s`, the request waits for it
    max_attempts used up                          skipped: the targets before it take every call

"Would be tried" means: when every target before it fails. `max_calls` counts the upstream calls the
walk may spend on a target (its ready connections, cut by retries_per_target and max_attempts).
Connections are listed in account order (priority, enabled only); the provider's account strategy
picks among the ready ones when the request is made.
"""

from __future__ import annotations

import copy
import random
import time
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, Field

from omniroute_agent.core.budget import ALLOW, Verdict, check
from omniroute_agent.core.catalog import ModelPrice
from omniroute_agent.core.combos import ComboConfig, parse_config
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.resolve import Route, Target, resolve
from omniroute_agent.core.router import Router
from omniroute_agent.core.strategies import ComboState, order
from omniroute_agent.errors import InvalidRequest


class ConnectionPlan(BaseModel):
    connection: str
    label: str
    priority: int
    cooldown_s: float = Field(description="seconds until it may serve this target's model (0: ready)")
    headroom: float | None = Field(description="quota left (0..1) per its last rate-limit headers; None: unknown")


class TargetPlan(BaseModel):
    position: int = Field(description="1 = tried first")
    target: str
    provider: str | None = Field(description="None: the provider is not configured")
    would_try: bool = Field(description="tried when every target before it fails")
    skip_reason: str | None
    circuit: str | None = Field(description="the provider's circuit: closed, open or half-open")
    connections: list[ConnectionPlan] = Field(description="enabled connections in account order")
    max_calls: int = Field(description="upstream calls the walk may spend on this target")
    price: ModelPrice | None = Field(description="USD per 1M tokens; None when unknown")
    context_window: int | None
    quota_headroom: float | None = Field(description="the best known headroom among its connections")


class BudgetCheck(BaseModel):
    decision: str = Field(description="allow, block or degrade")
    budget: str | None = Field(description="the budget that decided, as scope/period")
    spent_usd: float | None
    limit_usd: float | None
    degrade_to: str | None
    message: str


class RoutePlan(BaseModel):
    requested: str
    routed: str = Field(description="what would be walked: the request, or the budget's degrade target")
    combo: str | None = Field(description="the combo walked, if it is one")
    strategy: str | None
    max_attempts: int
    timeout_s: float | None
    budget: BudgetCheck
    targets: list[TargetPlan] = Field(description="in the order the strategy would try them; empty when blocked")
    first_choice: str | None = Field(description="the target that answers unless it fails")
    outcome: str


def simulate(
    gateway: Gateway, model: str | None, *, api_key_id: str | None = None, now: float | None = None
) -> RoutePlan:
    """The dry run for `model` (the default model when None) made with gateway key `api_key_id`."""
    table = gateway.table
    requested = (model or table.default_model or "").strip()
    if not requested:
        raise InvalidRequest("name a model: none was given and no default_model is configured", param="model")
    resolve(table, requested)  # an unknown name is the caller's error before any budget question
    combo = requested if requested in table.combos else None
    verdict = ALLOW
    if gateway.budgets:
        verdict = check(
            gateway.budgets,
            gateway.ledger.spent,
            key_id=api_key_id,
            combo=combo,
            now=time.time() if now is None else now,
        )
    budget = _budget_check(verdict)
    routed = verdict.degrade_to if verdict.decision == "degrade" and verdict.degrade_to else requested
    router = gateway.router
    route, config = ordered(router, routed)
    attempts = config.max_attempts if config else router.max_attempts
    common: dict[str, Any] = {
        "requested": requested,
        "routed": routed,
        "combo": route.combo,
        "strategy": table.combos[route.combo].strategy if route.combo else None,
        "max_attempts": attempts,
        "timeout_s": config.timeout_s if config else None,
        "budget": budget,
    }
    if verdict.decision == "block":
        return RoutePlan(**common, targets=[], first_choice=None, outcome=verdict.message)
    targets, soonest = _plan_targets(router, route, config, attempts)
    first = next((t.target for t in targets if t.would_try), None)
    return RoutePlan(**common, targets=targets, first_choice=first, outcome=_outcome(router, targets, soonest))


def ordered(router: Router[Any], requested: str) -> tuple[Route, ComboConfig | None]:
    """The route in the order the next request would try it, computed on copies of the strategy state."""
    route = resolve(router.table, requested)
    if route.combo is None:
        return route, None
    combo = router.table.combos[route.combo]
    config = parse_config(combo.config)
    weights = config.weights or []
    views = [router.view(t, weights[i] if i < len(weights) else 1.0) for i, t in enumerate(route.targets)]
    state = copy.deepcopy(router.combo_states.get(route.combo) or ComboState())
    rng = random.Random()
    rng.setstate(router.rng.getstate())
    indexes = order(combo.strategy, views, state, rng, exploration=router.exploration)
    return replace(route, targets=tuple(route.targets[i] for i in indexes)), config


def _budget_check(verdict: Verdict) -> BudgetCheck:
    b = verdict.budget
    return BudgetCheck(
        decision=verdict.decision,
        budget=f"{b.scope}/{b.period}" if b else None,
        spent_usd=round(verdict.spent_usd, 8) if b else None,
        limit_usd=b.limit_usd if b else None,
        degrade_to=verdict.degrade_to,
        message=verdict.message or "no budget that applies is exhausted",
    )


def _plan_targets(
    router: Router[Any], route: Route, config: ComboConfig | None, attempts: int
) -> tuple[list[TargetPlan], float | None]:
    """Every target's plan, and the shortest cooldown that kept a target from being tried."""
    per_target = None if config is None or config.retries_per_target is None else 1 + config.retries_per_target
    calls_left = attempts
    soonest: float | None = None
    plans: list[TargetPlan] = []
    for position, target in enumerate(route.targets, 1):
        plan, cooling = target_plan(router, target, position)
        if cooling is not None:
            soonest = cooling if soonest is None else min(soonest, cooling)
        if plan.would_try:
            ready = sum(1 for c in plan.connections if c.cooldown_s <= 0)
            calls = min(ready, per_target or ready, calls_left)
            if calls <= 0:
                plan = plan.model_copy(
                    update={
                        "would_try": False,
                        "skip_reason": f"max_attempts ({attempts}) used up by the targets before it",
                    }
                )
            calls_left -= calls
            plan = plan.model_copy(update={"max_calls": max(calls, 0)})
        plans.append(plan)
    return plans, soonest


def target_plan(router: Router[Any], target: Target, position: int) -> tuple[TargetPlan, float | None]:
    """One target as the walk would find it now, and its cooldown when cooling is what skips it."""
    price = router.prices.lookup(target.label)
    base: dict[str, Any] = {
        "position": position,
        "target": target.label,
        "max_calls": 0,
        "price": ModelPrice.of(price),
        "context_window": price.context_window if price else None,
    }
    provider = target.provider
    if provider is None:
        return TargetPlan(
            **base,
            provider=None,
            would_try=False,
            skip_reason="provider is not configured",
            circuit=None,
            connections=[],
            quota_headroom=None,
        ), None
    accounts = router.accounts
    enabled = sorted(provider.enabled_connections, key=lambda c: c.priority)
    if target.pin:
        enabled = [c for c in enabled if c.id == target.pin]
    connections = [
        ConnectionPlan(
            connection=c.id,
            label=c.label,
            priority=c.priority,
            cooldown_s=round(max(0.0, accounts.cooldown_left(c.id, target.model)), 3),
            headroom=accounts.known_headroom(c.id),
        )
        for c in enabled
    ]
    known = [c.headroom for c in connections if c.headroom is not None]
    state = router.breaker.state(provider.id)
    reason, cooling = _skip_reason(router, provider.id, state, target.pin, connections)
    return TargetPlan(
        **base,
        provider=provider.id,
        would_try=reason is None,
        skip_reason=reason,
        circuit=state,
        connections=connections,
        quota_headroom=max(known) if known else None,
    ), cooling


def _skip_reason(
    router: Router[Any], provider_id: str, state: str, pin: str | None, connections: list[ConnectionPlan]
) -> tuple[str | None, float | None]:
    if state == "open":
        entry = next((e for e in router.breaker.snapshot()["circuits"] if e["provider"] == provider_id), None)
        until = entry["until"] if entry else None
        left = f" ({max(0.0, until - router.breaker.wall()):.1f}s until a probe)" if until is not None else ""
        return f"circuit open{left}", None
    if not connections:
        return (f"pinned connection '{pin}' is missing or disabled" if pin else "no enabled connection"), None
    if all(c.cooldown_s > 0 for c in connections):
        soonest = min(c.cooldown_s for c in connections)
        return f"all {len(connections)} connections cooling down ({soonest:.1f}s left)", soonest
    return None, None


def _outcome(router: Router[Any], targets: list[TargetPlan], soonest: float | None) -> str:
    tried = [t.target for t in targets if t.would_try]
    if tried:
        rest = f"; if it fails, then {', '.join(tried[1:])}" if len(tried) > 1 else ""
        probe = " (as the circuit's half-open probe)" if targets and _first(targets).circuit == "half-open" else ""
        return f"tries {tried[0]} first{probe}{rest}"
    if soonest is not None and soonest <= router.max_cooldown_wait_s:
        return f"no target can be tried now: the request would wait {soonest:.1f}s for a connection, then walk again"
    after = f" (retry after {soonest:.1f}s)" if soonest is not None else ""
    return f"no target can be tried now: the request would fail{after}"


def _first(targets: list[TargetPlan]) -> TargetPlan:
    return next(t for t in targets if t.would_try)
