"""omniroute_route_request: a chat through the router, in-process, with the routing trace."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import BaseModel, Field

from omniroute_agent.errors import GatewayError
from omniroute_agent.runtime import Runtime
from omniroute_agent.translate.hub import ChatMessage, ChatRequest, response_text


class ChatTurn(BaseModel):
    role: Literal["system", "developer", "user", "assistant"]
    content: str


class AttemptInfo(BaseModel):
    target: str
    connection: str | None
    status: int | None
    error: str | None
    latency_ms: float
    cooldown_s: float | None
    error_class: str | None = None


class TokenUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class RouteResult(BaseModel):
    text: str = Field(description="the answer")
    model: str = Field(description="the target that answered, as provider/model")
    requested: str = Field(description="the model or combo that was asked for")
    attempts: list[AttemptInfo] = Field(description="every target and connection tried, in order")
    usage: TokenUsage
    finish_reason: str | None
    request_id: str
    latency_ms: float


def register(server: MCPServer, runtime: Runtime) -> None:
    @server.tool(
        name="omniroute_route_request",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
        ),
    )
    async def route_request(
        messages: Annotated[list[ChatTurn], Field(min_length=1, description="the conversation, oldest first")],
        model: Annotated[str | None, Field(description="model or combo; the default model when omitted")] = None,
    ) -> RouteResult:
        """Chat through the gateway's router: resolves the model or combo, falls back across targets and
        accounts, and returns the answer with the model that gave it, every attempt and token usage."""
        request_id = uuid.uuid4().hex
        turns: list[ChatMessage] = [{"role": t.role, "content": t.content} for t in messages]
        chat: ChatRequest = {"messages": turns}
        if model:
            chat["model"] = model
        try:
            done = await runtime.gateway.complete(chat, request_id=request_id, surface="mcp")
        except GatewayError as exc:
            raise ToolError(exc.message) from None
        choices = done.response.get("choices") or [{}]
        return RouteResult(
            text=response_text(done.response),
            model=done.target,
            requested=done.requested,
            attempts=[AttemptInfo.model_validate(a.as_dict()) for a in done.attempts],
            usage=TokenUsage.model_validate(done.usage),
            finish_reason=choices[0].get("finish_reason"),
            request_id=request_id,
            latency_ms=round(done.latency_ms, 2),
        )
