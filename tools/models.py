"""omniroute_list_models_catalog: every model and combo a caller can name."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from omniroute_agent.runtime import Runtime


class ModelEntry(BaseModel):
    id: str = Field(description="the string to pass as 'model'")
    owned_by: str = Field(description="provider id, or 'combo'")
    kind: str = Field(description="'model' or 'combo'")


class ModelsCatalog(BaseModel):
    models: list[ModelEntry]
    count: int


def register(server: MCPServer, runtime: Runtime) -> None:
    @server.tool(
        name="omniroute_list_models_catalog",
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False),
    )
    async def list_models_catalog(
        provider: Annotated[str | None, Field(description="only this provider's models (or 'combo')")] = None,
    ) -> ModelsCatalog:
        """Models of the configured providers (as 'provider/model') and combos, optionally one provider's."""
        entries = [ModelEntry.model_validate(m) for m in runtime.gateway.models()]
        if provider:
            entries = [e for e in entries if e.owned_by == provider]
        return ModelsCatalog(models=entries, count=len(entries))
