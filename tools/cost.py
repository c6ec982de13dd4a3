"""omniroute_cost_report: requests, tokens and cost over a period, by provider, model and combo."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from omniroute_agent.core.insights import CostReport, Period, cost_report
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.view import RuntimeView


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_cost_report",
        annotations=READ_ONLY,
    )
    async def report_cost(
        period: Annotated[
            Period,
            Field(description="session (since this process started), day, week or month (UTC, from its start)"),
        ] = "day",
    ) -> CostReport:
        """Totals and breakdowns by provider, model and combo of the stored usage rows (requests, tokens,
        cost in USD) since the start of the period."""
        return await cost_report(runtime.gateway, period)
