"""omniroute_list_combos: the fallback chains, with their strategy and targets in order."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.view import RuntimeView


class ComboInfo(BaseModel):
    name: str
    strategy: str
    models: list[str] = Field(description="targets, tried in this order")
    is_default: bool = Field(description="the model used when a caller names none")


class Combos(BaseModel):
    combos: list[ComboInfo]


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_list_combos",
        annotations=READ_ONLY,
    )
    async def list_combos() -> Combos:
        """Every combo (fallback chain): name, strategy and the targets it walks."""
        table = runtime.gateway.table
        return Combos(
            combos=[
                ComboInfo(
                    name=c.name,
                    strategy=c.strategy,
                    models=list(c.models),
                    is_default=c.name == table.default_model,
                )
                for c in table.combos.values()
            ]
        )
