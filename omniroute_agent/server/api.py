"""The management API under /api (gateway keys required when configured): health and metrics,
call logs with their attempt traces, usage and cost, combos, pricing, budgets and quota."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from omniroute_agent.core.admin import Admin
from omniroute_agent.core.budget import Budget, period_start
from omniroute_agent.core.insights import budget_statuses
from omniroute_agent.errors import GatewayError, InvalidRequest, NotFound
from omniroute_agent.server.state import runtime_of
from omniroute_agent.store.base import PriceRow, UsageRow
from omniroute_agent.translate.openai_chat.errors import error_body

PERIODS = ("day", "week", "month")
GROUPS = ("provider", "model", "combo", "key", "surface")


def _error(exc: GatewayError) -> JSONResponse:
    status, body = error_body(exc)
    return JSONResponse(body, status_code=status)


async def _body(request: Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidRequest(f"'{where}': {first['msg']}", param=where) from None


def _admin(request: Request) -> Admin:
    return Admin(runtime_of(request).gateway)


async def health(request: Request) -> JSONResponse:
    return JSONResponse(await runtime_of(request).gateway.health())


async def metrics(request: Request) -> JSONResponse:
    router = runtime_of(request).gateway.router
    return JSONResponse(
        {
            "targets": router.metrics.report(),
            "circuits": {p: router.breaker.state(p) for p in router.table.providers},
        }
    )


def _log(row: UsageRow) -> dict[str, Any]:
    return {
        "request_id": row.request_id,
        "ts": row.ts,
        "surface": row.surface,
        "model": row.model,
        "target": row.target,
        "connection": row.connection_id,
        "status": row.status,
        "stream": row.stream,
        "latency_ms": row.latency_ms,
        "error": row.error,
        "combo": row.combo,
        "api_key_id": row.api_key_id,
        "usage": {
            "prompt_tokens": row.prompt_tokens,
            "completion_tokens": row.completion_tokens,
            "cached_tokens": row.cached_tokens,
            "reasoning_tokens": row.reasoning_tokens,
        },
        "cost_usd": row.cost_usd,
        "attempts": row.attempts,
    }


async def log_of_request(request: Request) -> Response:
    """The stored call log of one request id: its outcome, usage, cost and every attempt."""
    runtime = runtime_of(request)
    await runtime.gateway.usage.flush()
    rows = await runtime.store.usage_for_request(request.path_params["request_id"])
    if not rows:
        return _error(NotFound(f"no call log for request '{request.path_params['request_id']}'"))
    return JSONResponse({"request_id": rows[0].request_id, "calls": [_log(r) for r in rows]})


async def recent_logs(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    await runtime.gateway.usage.flush()
    limit = min(max(int(request.query_params.get("limit", "50") or 50), 1), 1000)
    return JSONResponse({"calls": [_log(r) for r in await runtime.store.list_usage(limit=limit)]})


async def usage_report(request: Request) -> Response:
    """Requests, tokens and cost since the start of the period, grouped (UTC periods)."""
    period = request.query_params.get("period", "day")
    group = request.query_params.get("group_by", "provider")
    if period not in (*PERIODS, "all") or group not in GROUPS:
        return _error(
            InvalidRequest(f"period is one of {', '.join(PERIODS)}, all; group_by one of {', '.join(GROUPS)}")
        )
    since = 0.0 if period == "all" else period_start(period, time.time())  # type: ignore[arg-type]
    runtime = runtime_of(request)
    await runtime.gateway.usage.flush()
    rows = await runtime.store.usage_totals(since=since, group_by=group)
    return JSONResponse(
        {
            "period": period,
            "since": since,
            "group_by": group,
            "rows": rows,
            "total_cost_usd": round(sum(r["cost_usd"] for r in rows), 6),
        }
    )


async def quota(request: Request) -> JSONResponse:
    router = runtime_of(request).gateway.router
    return JSONResponse(
        {
            "connections": [
                {
                    "provider": p.id,
                    "connection": c.id,
                    "enabled": c.enabled,
                    "headroom": router.accounts.headroom_of([c]),
                    "cooldown_s": round(router.accounts.cooldown_left(c.id, None), 3),
                }
                for p in router.table.providers.values()
                for c in p.connections
            ]
        }
    )


class ConnectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None = None
    priority: int | None = None


async def patch_connection(request: Request) -> Response:
    try:
        body = await _body(request, ConnectionBody)
        await _admin(request).update_connection(
            request.path_params["connection_id"], enabled=body.enabled, priority=body.priority
        )
    except GatewayError as exc:
        return _error(exc)
    return JSONResponse(
        {
            "connection": request.path_params["connection_id"],
            "enabled": body.enabled,
            "priority": body.priority,
        }
    )


class ComboBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strategy: str = "priority"
    models: Annotated[list[str], Field(min_length=1)]
    config: dict[str, Any] = {}


async def list_combos(request: Request) -> JSONResponse:
    table = runtime_of(request).gateway.table
    return JSONResponse(
        {
            "combos": [
                {"name": c.name, "strategy": c.strategy, "models": c.models, "config": c.config}
                for c in table.combos.values()
            ]
        }
    )


async def put_combo(request: Request) -> Response:
    try:
        body = await _body(request, ComboBody)
        combo = await _admin(request).save_combo(request.path_params["name"], body.strategy, body.models, body.config)
    except GatewayError as exc:
        return _error(exc)
    return JSONResponse(
        {"name": combo.name, "strategy": combo.strategy, "models": combo.models, "config": combo.config}
    )


async def delete_combo(request: Request) -> Response:
    try:
        await _admin(request).delete_combo(request.path_params["name"])
    except GatewayError as exc:
        return _error(exc)
    return Response(status_code=204)


class PriceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: Annotated[float, Field(ge=0)]
    output: Annotated[float, Field(ge=0)]
    cached_input: Annotated[float, Field(ge=0)] | None = None
    context_window: Annotated[int, Field(gt=0)] | None = None


async def get_price(request: Request) -> Response:
    model = request.query_params.get("model", "")
    price = runtime_of(request).gateway.router.prices.lookup(model) if model else None
    if price is None:
        return _error(NotFound(f"no price for '{model}'"))
    return JSONResponse(
        {
            "model": model,
            "input": price.input,
            "output": price.output,
            "cached_input": price.cached_input,
            "context_window": price.context_window,
        }
    )


async def put_price(request: Request) -> Response:
    try:
        body = await _body(request, PriceBody)
        row = PriceRow(request.path_params["model"], body.input, body.output, body.cached_input, body.context_window)
        await _admin(request).save_price(row)
    except GatewayError as exc:
        return _error(exc)
    return JSONResponse({"model": row.model, "source": "user"})


class BudgetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: str
    period: Literal["day", "week", "month"] = "day"
    limit_usd: float
    action: Literal["block", "degrade"] = "block"
    degrade_to: str | None = None


async def list_budgets(request: Request) -> JSONResponse:
    """Every budget with what it has spent this period (the same figures MCP's check_quota shows)."""
    statuses = budget_statuses(runtime_of(request).gateway)
    return JSONResponse({"budgets": [b.model_dump() for b in statuses]})


async def put_budget(request: Request) -> Response:
    try:
        body = await _body(request, BudgetBody)
        budget_id = await _admin(request).save_budget(
            Budget(body.scope, body.period, body.limit_usd, body.action, body.degrade_to)
        )
    except GatewayError as exc:
        return _error(exc)
    return JSONResponse({"id": budget_id})


async def delete_budget(request: Request) -> Response:
    try:
        await _admin(request).delete_budget(request.path_params["budget_id"])
    except GatewayError as exc:
        return _error(exc)
    return Response(status_code=204)


ROUTES = [
    Route("/api/health", health, methods=["GET"]),
    Route("/api/metrics", metrics, methods=["GET"]),
    Route("/api/logs", recent_logs, methods=["GET"]),
    Route("/api/logs/{request_id}", log_of_request, methods=["GET"]),
    Route("/api/usage", usage_report, methods=["GET"]),
    Route("/api/quota", quota, methods=["GET"]),
    Route("/api/connections/{connection_id}", patch_connection, methods=["PATCH"]),
    Route("/api/combos", list_combos, methods=["GET"]),
    Route("/api/combos/{name}", put_combo, methods=["PUT"]),
    Route("/api/combos/{name}", delete_combo, methods=["DELETE"]),
    Route("/api/pricing", get_price, methods=["GET"]),
    Route("/api/pricing/{model:path}", put_price, methods=["PUT"]),
    Route("/api/budgets", list_budgets, methods=["GET"]),
    Route("/api/budgets", put_budget, methods=["POST"]),
    Route("/api/budgets/{budget_id:path}", delete_budget, methods=["DELETE"]),
]
