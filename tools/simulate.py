"""omniroute_simulate_route: a dry run of the fallback path, without sending or changing anything."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from omniroute_agent.core.simulate import RoutePlan, simulate
from omniroute_agent.errors import GatewayError
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.view import RuntimeView


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_simulate_route",
        annotations=READ_ONLY,
    )
    async def simulate_route(
        model: Annotated[str | None, Field(description="model or combo; the default model when omitted")] = None,
        api_key_id: Annotated[
            str | None,
            Field(description="judge key budgets as for a request made with this gateway key id; none when omitted"),
        ] = None,
    ) -> RoutePlan:
        """Which targets a request would try, in the strategy's order, and for each whether it would be
        tried or skipped and why (provider not configured, circuit open, every connection cooling down,
        pinned connection missing), with its connections and cooldowns, price per 1M tokens and quota
        headroom; and whether a budget would block or degrade the request. Nothing is sent and no
        strategy state advances."""
        try:
            return simulate(runtime.gateway, model, api_key_id=api_key_id)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
