"""omniroute_explain_route: the stored attempt trace of a request id."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from omniroute_agent.tools.annotations import READ_ONLY
from omniroute_agent.tools.route import AttemptInfo
from omniroute_agent.tools.view import RuntimeView


class CallTrace(BaseModel):
    surface: str
    model: str = Field(description="the model or combo asked for")
    target: str | None = Field(description="the target that answered, if one did")
    status: int
    error: str | None
    latency_ms: float
    cost_usd: float
    attempts: list[AttemptInfo]


class RouteExplanation(BaseModel):
    request_id: str
    calls: list[CallTrace]


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.tool(
        name="omniroute_explain_route",
        annotations=READ_ONLY,
    )
    async def explain_route(
        request_id: Annotated[str, Field(min_length=1, description="the X-Request-Id of an earlier request")],
    ) -> RouteExplanation:
        """How a request was routed: every target and connection tried, with status, error class,
        cooldown applied and latency, and which target answered."""
        await runtime.gateway.usage.flush()
        rows = await runtime.store.usage_for_request(request_id)
        if not rows:
            raise ToolError(f"no call log for request '{request_id}'")
        return RouteExplanation(
            request_id=request_id,
            calls=[
                CallTrace(
                    surface=r.surface,
                    model=r.model,
                    target=r.target,
                    status=r.status,
                    error=r.error,
                    latency_ms=r.latency_ms,
                    cost_usd=r.cost_usd,
                    attempts=[AttemptInfo.model_validate(a) for a in r.attempts],
                )
                for r in rows
            ],
        )
