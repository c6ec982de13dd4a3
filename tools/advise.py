"""omniroute_best_combo_for_task: the configured combos (or models) ranked for a task, explained."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from omniroute_agent.core.advise import Advice, advise
from omniroute_agent.core.capabilities import Capability
from omniroute_agent.errors import GatewayError
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.view import RuntimeView


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_best_combo_for_task",
        annotations=READ_ONLY,
    )
    async def best_combo_for_task(
        task: Annotated[str, Field(min_length=1, max_length=4000, description="what the model will be asked to do")],
        required_capabilities: Annotated[
            list[Capability] | None,
            Field(description="capabilities every answer needs (vision, tools, reasoning, json, long_context)"),
        ] = None,
    ) -> Advice:
        """Ranks the configured combos (single models when no combo fits) for the task by measured latency
        and error rate, price, quota headroom, health and declared capabilities; each candidate's score is
        explained term by term. Capabilities and a cost or speed emphasis are also read from the task."""
        try:
            return advise(runtime.gateway, task, required_capabilities or ())
        except GatewayError as exc:
            raise ToolError(exc.message) from None
