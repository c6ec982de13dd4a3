"""omniroute_list_models_catalog: every model and combo a caller can name, with declared capabilities,
price and context window."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel, Field

from omniroute_agent.core.capabilities import Capability
from omniroute_agent.core.catalog import CatalogEntry, catalog
from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.view import RuntimeView


class ModelsCatalog(BaseModel):
    models: list[CatalogEntry]
    count: int


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_list_models_catalog",
        annotations=READ_ONLY,
    )
    async def list_models_catalog(
        provider: Annotated[str | None, Field(description="only this provider's models (or 'combo')")] = None,
        capability: Annotated[
            Capability | None,
            Field(description="only models declaring it (combos: declared by every target)"),
        ] = None,
    ) -> ModelsCatalog:
        """Models of the configured providers (as 'provider/model') and combos, each with its declared
        capabilities (vision, tools, reasoning, json, long_context), price per 1M tokens and context
        window; optionally one provider's, or only those declaring a capability."""
        entries = catalog(runtime.gateway, provider=provider, capability=capability)
        return ModelsCatalog(models=entries, count=len(entries))
