"""MCP tools (shipped as omniroute_agent.tools): one module per tool family, each tool a typed async
function over the running gateway. `build_server` assembles them into one MCPServer per transport,
behind the guard (scopes and audit, `tools/guard.py`). The tool modules are imported by
`register_tools`, not here, so the stdio server (`tools/stdio.py`) answers `initialize` before
paying for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server.context import ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver import MCPServer

from omniroute_agent import __version__
from omniroute_agent.tools.caller import Caller
from omniroute_agent.tools.guard import Guard
from omniroute_agent.tools.view import RuntimeView

INSTRUCTIONS = (
    "omniroute-agent routes chat requests across your AI providers with fallback and account rotation. "
    "Use omniroute_route_request to chat through the router (it picks the default model when you name none), "
    "omniroute_list_models_catalog and omniroute_list_combos to see what can be named, and "
    "omniroute_get_health to inspect providers and cooldowns."
)

# The scopes each tool needs (see core/scopes.py). tools/list shows a caller only what it may call.
TOOL_SCOPES: dict[str, tuple[str, ...]] = {
    "omniroute_get_health": ("read:health",),
    "omniroute_get_provider_metrics": ("read:health",),
    "omniroute_db_health_check": ("read:health",),
    "omniroute_list_combos": ("read:combos",),
    "omniroute_get_combo_metrics": ("read:combos",),
    "omniroute_simulate_route": ("read:combos",),
    "omniroute_best_combo_for_task": ("read:combos",),
    "omniroute_switch_combo": ("write:combos",),
    "omniroute_set_routing_strategy": ("write:combos",),
    "omniroute_check_quota": ("read:quota",),
    "omniroute_cost_report": ("read:usage",),
    "omniroute_explain_route": ("read:usage",),
    "omniroute_get_session_snapshot": ("read:usage",),
    "omniroute_list_models_catalog": ("read:models",),
    "omniroute_route_request": ("execute:completions",),
    "omniroute_test_combo": ("execute:completions",),
    "omniroute_set_budget_guard": ("write:budget",),
    "omniroute_set_resilience_profile": ("write:resilience",),
    "omniroute_sync_pricing": ("write:pricing",),
    "omniroute_cache_stats": ("read:cache",),
    "omniroute_cache_flush": ("write:cache",),
    "omniroute_memory_search": ("read:memory",),
    "omniroute_memory_add": ("write:memory",),
    "omniroute_memory_clear": ("write:memory",),
    "omniroute_skills_list": ("read:skills",),
    "omniroute_skills_enable": ("write:skills",),
    "omniroute_skills_execute": ("execute:skills",),
    "omniroute_skills_executions": ("read:skills",),
}


def build_server(runtime: RuntimeView, identify: Callable[[ServerRequestContext[Any, Any]], Caller]) -> MCPServer:
    server = new_server(Guard(TOOL_SCOPES, runtime, identify))
    register_tools(server, runtime)
    return server


def new_server(*middleware: ServerMiddleware[Any]) -> MCPServer:
    """The server with no tools yet: enough to answer `initialize`."""
    return MCPServer(
        "omniroute", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING", middleware=middleware
    )


def register_tools(server: MCPServer, runtime: RuntimeView) -> None:
    """Every tool, resource and prompt. Each reads `runtime` when it is called, never here."""
    from omniroute_agent.tools import (
        advise,
        combos,
        control,
        cost,
        explain,
        health,
        maintenance,
        memory,
        metrics,
        models,
        quota,
        resources,
        route,
        simulate,
        skills,
    )

    modules = (
        health,
        models,
        combos,
        route,
        explain,
        metrics,
        quota,
        cost,
        simulate,
        advise,
        memory,
        skills,
        control,
        maintenance,
        resources,
    )
    for module in modules:
        module.register(server, runtime)


def stdio_caller(runtime: RuntimeView) -> Callable[[ServerRequestContext[Any, Any]], Caller]:
    scopes = frozenset(runtime.settings.file.mcp.stdio_scopes)

    def identify(ctx: ServerRequestContext[Any, Any]) -> Caller:
        return Caller(None, scopes, "stdio")

    return identify


def http_caller(runtime: RuntimeView) -> Callable[[ServerRequestContext[Any, Any]], Caller]:
    """The key the HTTP middleware accepted (its scopes), or every scope when no keys are configured."""

    def identify(ctx: ServerRequestContext[Any, Any]) -> Caller:
        request = ctx.request
        scope = getattr(request, "scope", None) or {}
        key_id = (scope.get("state") or {}).get("api_key_id")
        path = str(scope.get("path", ""))
        transport = "sse" if path.startswith(("/mcp/sse", "/mcp/messages")) else "http"
        table = runtime.gateway.table
        if key_id is None:
            held = frozenset() if table.key_ids else frozenset({"*"})
        else:
            held = table.key_scopes.get(key_id, frozenset({"*"}))
        return Caller(key_id, held, transport)

    return identify
