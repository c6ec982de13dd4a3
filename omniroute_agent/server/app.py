"""The HTTP app: /v1 (proxy), /mcp (MCP Streamable HTTP), /a2a and the agent card, /api/health.

`create_app(settings)` builds the Starlette app behind its front door (server/front.py); its
lifespan opens the Runtime, builds the card and the MCP server, and runs the MCP session manager
for as long as the app serves.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from omniroute_agent.config import Settings
from omniroute_agent.proxy import HOT as PROXY_HOT
from omniroute_agent.proxy import ROUTES as PROXY_ROUTES
from omniroute_agent.runtime import Runtime
from omniroute_agent.server.a2a import a2a_endpoint, agent_card
from omniroute_agent.server.a2a_api import ROUTES as A2A_API_ROUTES
from omniroute_agent.server.api import ROUTES as API_ROUTES
from omniroute_agent.server.card import build_card, extended_card, load_template
from omniroute_agent.server.front import FrontDoor
from omniroute_agent.server.mcp_mount import McpMount
from omniroute_agent.server.mcp_status import ROUTES as MCP_STATUS_ROUTES
from omniroute_agent.server.middleware import ApiKeyMiddleware, RequestIdMiddleware

log = logging.getLogger("omniroute")


def create_app(settings: Settings) -> FrontDoor:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with Runtime.running(settings) as runtime:
            app.state.runtime = runtime
            app.state.card = build_card(
                load_template(),
                base_url=public_base_url(settings),
                skills=runtime.tasks.skills,
                secured=bool(runtime.gateway.table.key_ids),
                push=runtime.push is not None,
            )
            app.state.extended_card = extended_card(app.state.card, [m["id"] for m in runtime.gateway.models()])
            app.state.push = runtime.push
            app.state.mcp = mount = McpMount(settings, runtime)
            try:
                log.info("omniroute listening on %s", public_base_url(settings))
                yield
            finally:
                await mount.close()

    def key_ids(scope: Scope) -> dict[str, str]:
        runtime: Runtime = scope["app"].state.runtime
        return runtime.gateway.table.key_ids

    app = Starlette(
        routes=[
            *PROXY_ROUTES,
            Route("/mcp", _mcp, methods=["GET", "POST", "DELETE"]),
            Route("/mcp/sse", _mcp_sse, methods=["GET"]),
            Route("/mcp/messages/", _mcp_sse, methods=["POST"]),
            Route("/a2a", a2a_endpoint, methods=["POST"]),
            Route("/.well-known/agent-card.json", agent_card, methods=["GET"]),
            Route("/.well-known/agent.json", agent_card, methods=["GET"]),
            *API_ROUTES,
            *MCP_STATUS_ROUTES,
            *A2A_API_ROUTES,
        ],
        middleware=[Middleware(RequestIdMiddleware), Middleware(ApiKeyMiddleware, key_ids=key_ids)],
        lifespan=lifespan,
    )
    return FrontDoor(app, PROXY_HOT, key_ids)


class _McpEndpoint:
    """Forwards to the MCP transport, built at the first request (an ASGI app, not a handler)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mount = await scope["app"].state.mcp.ready()
        await mount.http(scope, receive, send)


_mcp = _McpEndpoint()


class _LegacySseEndpoint:
    """Forwards /mcp/sse and /mcp/messages/ to the SDK's HTTP+SSE app (its routes use full paths)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        legacy = await scope["app"].state.mcp.legacy_sse()
        await legacy(scope, receive, send)


_mcp_sse = _LegacySseEndpoint()


def public_base_url(settings: Settings) -> str:
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"
