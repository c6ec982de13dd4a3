"""omniroute_get_combo_metrics, omniroute_get_provider_metrics and omniroute_get_session_snapshot:
measured latency, outcomes, strategy state, cooldowns and circuits, from the live core and the store."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from omniroute_agent.core.insights import (
    ComboMetrics,
    ProviderMetrics,
    SessionSnapshot,
    combo_metrics,
    provider_metrics,
    session_snapshot,
)
from omniroute_agent.errors import GatewayError
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.view import RuntimeView


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(name="omniroute_get_combo_metrics", annotations=READ_ONLY)
    async def get_combo_metrics(
        combo: Annotated[str, Field(min_length=1, description="the combo's name")],
    ) -> ComboMetrics:
        """A combo's targets with their p50/p95/p99 latency, success rate and request counts, its strategy
        state (round-robin counter, last known good target) and its stored usage and cost (today and all)."""
        try:
            return await combo_metrics(runtime.gateway, combo)
        except GatewayError as exc:
            raise ToolError(exc.message) from None

    @server.tool(name="omniroute_get_provider_metrics", annotations=READ_ONLY)
    async def get_provider_metrics(
        provider: Annotated[str, Field(min_length=1, description="provider id or alias")],
    ) -> ProviderMetrics:
        """A provider's latency percentiles, error rate and request counts per model target, its circuit
        breaker, and each connection's quota headroom and cooldowns."""
        try:
            return provider_metrics(runtime.gateway, provider)
        except GatewayError as exc:
            raise ToolError(exc.message) from None

    @server.tool(name="omniroute_get_session_snapshot", annotations=READ_ONLY)
    async def get_session_snapshot() -> SessionSnapshot:
        """Since this process started: uptime, requests, errors, tokens and cost, the targets that answered
        most, and the cooldowns and circuits active now."""
        return await session_snapshot(runtime.gateway)
