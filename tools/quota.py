"""omniroute_check_quota: each connection's quota headroom, cooldown, enabled flag and circuit, and
every budget's spending this period."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from omniroute_agent.core.insights import QuotaReport, quota_report
from omniroute_agent.errors import GatewayError
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.view import RuntimeView


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_check_quota",
        annotations=READ_ONLY,
    )
    async def check_quota(
        provider: Annotated[str | None, Field(description="only this provider (id or alias); all when omitted")] = None,
    ) -> QuotaReport:
        """Per provider and connection: quota headroom read from rate-limit headers, cooldown left, whether
        it is enabled, and the provider's circuit; plus every budget with what it spent of its limit this
        period."""
        try:
            return quota_report(runtime.gateway, provider)
        except GatewayError as exc:
            raise ToolError(exc.message) from None
