"""omniroute_get_health: store, providers, connections and cooldowns, from the live core."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.view import RuntimeView


class ProviderHealth(BaseModel):
    id: str
    format: str
    connections: int = Field(description="connections (accounts) configured")
    enabled: int = Field(description="connections enabled")
    cooling_down: int = Field(description="connections in cooldown after a failure")


class Health(BaseModel):
    status: str = Field(description="'ok', or 'degraded' when the store does not answer")
    version: str
    uptime_s: float
    store: str
    providers: list[ProviderHealth]
    combos: int
    cooldowns: dict[str, float] = Field(description="connection id → seconds of cooldown left")


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_get_health",
        annotations=READ_ONLY,
    )
    async def get_health() -> Health:
        """Gateway health: store status, uptime, each provider's connections and cooldowns."""
        return Health.model_validate(await runtime.gateway.health())
