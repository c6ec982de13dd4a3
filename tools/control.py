"""Routing control: the default model, a combo's strategy, budgets, the resilience profile, and a
direct test of every target of a combo. Each change goes through `core.admin.Admin` (validated,
stored, then applied to the live core), so the next request follows it."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from omniroute_agent.core import profiles
from omniroute_agent.core.admin import Admin
from omniroute_agent.core.budget import Budget, period_start
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.resolve import Target, resolve
from omniroute_agent.core.strategies import STRATEGIES
from omniroute_agent.errors import GatewayError
from omniroute_agent.tools.caller import current
from omniroute_agent.tools.view import RuntimeView
from omniroute_agent.translate.hub import ChatRequest, response_text

PROBE_PROMPT = "Reply with OK."
CHANGES = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False)


class DefaultSwitch(BaseModel):
    default_model: str = Field(description="the model or combo now used when a caller names none")
    previous: str | None = Field(description="the default before this switch")
    kind: Literal["combo", "model"]
    targets: list[str] = Field(description="what it resolves to, as provider/model, in written order")


class StrategyChange(BaseModel):
    combo: str
    strategy: str
    previous_strategy: str
    models: list[str] = Field(description="the combo's targets, unchanged")
    weights: list[float] | None = Field(description="the weights now stored (used by 'weighted')")


class BudgetGuard(BaseModel):
    id: str = Field(description="scope/period: saving the same scope and period again replaces it")
    scope: str
    period: str
    limit_usd: float
    action: str
    degrade_to: str | None
    spent_usd: float = Field(description="spent by the scope since the current period began")
    exhausted: bool = Field(description="the next request in this scope is blocked or degraded")


class ResilienceValues(BaseModel):
    breaker_failures: int = Field(description="consecutive provider failures that open its circuit")
    breaker_open_s: float = Field(description="seconds an open circuit refuses requests before a probe")
    wait_for_cooldown_s: float = Field(description="longest wait for a cooling connection instead of failing")
    max_attempts: int = Field(description="upstream calls per request for a model (combos use their own)")
    backoff_cap_s: float = Field(description="longest cooldown of a failing key's exponential backoff")


class ResilienceChange(BaseModel):
    profile: str
    previous_profile: str | None = Field(description="the profile saved before; None when none was chosen")
    before: ResilienceValues = Field(description="the values the router used until now")
    now: ResilienceValues = Field(description="the values the router uses from the next request on")


class TargetProbe(BaseModel):
    target: str = Field(description="provider/model")
    ok: bool
    status: int | None = Field(description="200, the error's HTTP status, or None when nothing was sent")
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    answer: str | None = Field(default=None, description="the target's reply (first 200 characters)")
    answered_by: str | None = Field(
        default=None, description="the target that answered (another one only if a budget degraded the probe)"
    )
    connection: str | None = Field(default=None, description="the connection (account) that answered")
    error: str | None = None
    request_id: str | None = Field(default=None, description="the probe's request id, for omniroute_explain_route")


class ComboTest(BaseModel):
    combo: str
    targets: list[TargetProbe] = Field(description="one probe per target, in the combo's written order")
    passed: int
    failed: int


def _values(runtime: RuntimeView) -> ResilienceValues:
    return ResilienceValues.model_validate(profiles.in_effect(runtime.gateway.router), from_attributes=True)


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(name="omniroute_switch_combo", annotations=CHANGES)
    async def switch_combo(
        combo: Annotated[str, Field(min_length=1, description="a combo name (or a provider/model) that must resolve")],
    ) -> DefaultSwitch:
        """Sets the default model or combo, used by requests that name none; stored, so it survives a
        restart (and wins over the config file's default_model)."""
        previous = runtime.gateway.table.default_model
        try:
            route = await Admin(runtime.gateway).switch_default(combo)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        return DefaultSwitch(
            default_model=route.requested,
            previous=previous,
            kind="combo" if route.combo else "model",
            targets=[t.label for t in route.targets],
        )

    @server.tool(name="omniroute_set_routing_strategy", annotations=CHANGES)
    async def set_routing_strategy(
        combo: Annotated[str, Field(min_length=1, description="the combo to change")],
        strategy: Annotated[str, Field(description=f"one of: {', '.join(STRATEGIES)}")],
        weights: Annotated[
            list[Annotated[float, Field(ge=0)]] | None,
            Field(description="one weight per target, for 'weighted'; the stored weights are kept when omitted"),
        ] = None,
    ) -> StrategyChange:
        """Changes the order in which a combo tries its targets; the combo's strategy state starts
        afresh and the next request follows the new strategy."""
        before = runtime.gateway.table.combos.get(combo)
        try:
            changed = await Admin(runtime.gateway).set_strategy(combo, strategy, weights)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        return StrategyChange(
            combo=changed.name,
            strategy=changed.strategy,
            previous_strategy=before.strategy if before else changed.strategy,
            models=list(changed.models),
            weights=changed.config.get("weights"),
        )

    @server.tool(name="omniroute_set_budget_guard", annotations=CHANGES)
    async def set_budget_guard(
        scope: Annotated[str, Field(description="'global', 'key:<gateway key id>' or 'combo:<name>'")],
        limit_usd: Annotated[float, Field(gt=0, description="the most the scope may spend per period, USD")],
        period: Annotated[Literal["day", "week", "month"], Field(description="UTC calendar period")] = "day",
        action: Annotated[
            Literal["block", "degrade"], Field(description="once exhausted: refuse (429) or send elsewhere")
        ] = "block",
        degrade_to: Annotated[
            str | None, Field(description="with 'degrade': the model or combo to send requests to")
        ] = None,
    ) -> BudgetGuard:
        """Sets a spending budget on the whole gateway, one gateway key or one combo; when spent, the
        gateway refuses requests in that scope with 429 budget_exceeded, or degrades them."""
        try:
            budget = Budget(scope.strip(), period, limit_usd, action, degrade_to)
            budget_id = await Admin(runtime.gateway).save_budget(budget)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        spent = runtime.gateway.ledger.spent(budget.scope, period_start(budget.period, time.time()))
        return BudgetGuard(
            id=budget_id,
            scope=budget.scope,
            period=budget.period,
            limit_usd=budget.limit_usd,
            action=budget.action,
            degrade_to=budget.degrade_to,
            spent_usd=round(spent, 8),
            exhausted=spent >= budget.limit_usd,
        )

    @server.tool(name="omniroute_set_resilience_profile", annotations=CHANGES)
    async def set_resilience_profile(
        profile: Annotated[
            str, Field(description=f"one of: {', '.join(profiles.PROFILES)} (see the tool description)")
        ],
    ) -> ResilienceChange:
        """Applies a preset of circuit-breaker thresholds, cooldown wait, attempts and backoff cap.
        aggressive: fail over fast (breaker after 3 failures, open 60 s, no waiting, 6 attempts, 300 s
        cap); balanced: the defaults (5, 30 s, 2 s, 12, 120 s); conservative: persist (10, 15 s, 5 s,
        20, 60 s). Stored, so it is applied again at start-up."""
        previous = await profiles.saved(runtime.store)
        before = _values(runtime)
        try:
            await Admin(runtime.gateway).set_resilience_profile(profile)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        return ResilienceChange(profile=profile, previous_profile=previous, before=before, now=_values(runtime))

    @server.tool(
        name="omniroute_test_combo",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
        ),
    )
    async def test_combo(
        combo: Annotated[str, Field(min_length=1, description="the combo whose targets to test")],
        max_tokens: Annotated[int, Field(ge=1, le=256, description="completion tokens allowed per probe")] = 16,
    ) -> ComboTest:
        """Sends a short prompt ("Reply with OK.") to EACH target of a combo once, directly (no
        fallback to the next target), and reports per target: status, latency, tokens, cost, error.
        The probes are real requests: they are billed and logged like any other."""
        table = runtime.gateway.table
        if combo not in table.combos:
            raise ToolError(f"no combo '{combo}' (combos: {', '.join(table.combos) or 'none'})")
        try:
            route = resolve(table, combo)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        key_id = current().key_id
        probes = await asyncio.gather(*(_probe(runtime.gateway, t, max_tokens, key_id) for t in route.targets))
        passed = sum(1 for p in probes if p.ok)
        return ComboTest(combo=combo, targets=list(probes), passed=passed, failed=len(probes) - passed)


async def _probe(gateway: Gateway, target: Target, max_tokens: int, key_id: str | None) -> TargetProbe:
    """One request to one target alone: its accounts may be tried, never another target."""
    if target.provider is None:
        return TargetProbe(target=target.label, ok=False, status=None, error="provider is not configured")
    request_id = uuid.uuid4().hex
    chat: ChatRequest = {
        "model": target.label,
        "messages": [{"role": "user", "content": PROBE_PROMPT}],
        "max_tokens": max_tokens,
    }
    started = time.perf_counter()
    try:
        done = await gateway.complete(chat, request_id=request_id, surface="mcp", api_key_id=key_id)
    except GatewayError as exc:
        return TargetProbe(
            target=target.label,
            ok=False,
            status=exc.status,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            error=exc.message,
            request_id=request_id,
        )
    degraded = done.target != target.label
    return TargetProbe(
        target=target.label,
        ok=not degraded,
        status=200,
        latency_ms=round(done.latency_ms, 2),
        prompt_tokens=done.usage["prompt_tokens"],
        completion_tokens=done.usage["completion_tokens"],
        cost_usd=round(done.cost_usd, 8),
        answer=response_text(done.response)[:200],
        answered_by=done.target,
        connection=done.connection_id,
        error=f"answered by {done.target}: a budget degraded the probe" if degraded else None,
        request_id=request_id,
    )
