"""The MCP endpoints over HTTP, built by the first request that needs them.

Importing the MCP SDK and building the tools costs a worker about 17 MB and 0.4 s; a worker that
only proxies /v1 never pays it (its idle RSS stays under issue 7's 80 MB). The first /mcp,
/mcp/sse or /api/mcp/{tools,status} request builds the Streamable HTTP transport and starts its
session manager in a task of its own, which the app's shutdown ends; the 2024 HTTP+SSE transport
(a second server with its own tools) is built only when a client first uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp

from omniroute_agent.config import Settings

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

    from omniroute_agent.runtime import Runtime


class McpMount:
    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self._settings = settings
        self._runtime = runtime
        self._lock = asyncio.Lock()
        self._closing = asyncio.Event()
        self._holder: asyncio.Task[None] | None = None
        self.http: ASGIApp | None = None
        self.sse: ASGIApp | None = None
        self.sessions: StreamableHTTPSessionManager | None = None
        self.tools: list[Any] = []

    @property
    def loaded(self) -> bool:
        return self.http is not None

    async def ready(self) -> McpMount:
        if self.http is None:
            async with self._lock:
                if self.http is None:
                    await self._build()
        return self

    async def legacy_sse(self) -> ASGIApp:
        """The 2024 HTTP+SSE transport: GET /mcp/sse, POST /mcp/messages/."""
        await self.ready()
        async with self._lock:
            if self.sse is None:
                from omniroute_agent.tools import build_server, http_caller

                legacy = build_server(self._runtime, http_caller(self._runtime))
                security = _transport_security(self._settings.host)
                self.sse = legacy.sse_app(
                    sse_path="/mcp/sse", message_path="/mcp/messages/", transport_security=security
                )
        return self.sse

    async def _build(self) -> None:
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp

        from omniroute_agent.tools import build_server, http_caller

        runtime, settings = self._runtime, self._settings
        security = _transport_security(settings.host)
        server = build_server(runtime, http_caller(runtime))
        # Several workers share one port: a session held by one would be unknown to the next,
        # so each request stands alone (the SDK's stateless mode serves both protocol eras).
        server.streamable_http_app(transport_security=security, stateless_http=settings.workers > 1)
        tools = await server.list_tools()
        started = asyncio.Event()
        self._holder = asyncio.create_task(self._hold(server.session_manager, started), name="mcp-sessions")
        await started.wait()
        self.sessions, self.tools = server.session_manager, tools
        self.http = StreamableHTTPASGIApp(server.session_manager)

    async def _hold(self, manager: StreamableHTTPSessionManager, started: asyncio.Event) -> None:
        """The session manager's run() must be entered and left by one task: this one."""
        async with manager.run():
            started.set()
            await self._closing.wait()

    async def close(self) -> None:
        self._closing.set()
        if self._holder is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._holder


def _transport_security(host: str) -> Any:
    """DNS-rebinding protection for a loopback bind (any port); a wider bind relies on gateway keys."""
    from mcp.server.transport_security import TransportSecuritySettings

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    hosts = ["127.0.0.1:*", "localhost:*", "[::1]:*"]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"http://{h}" for h in hosts],
    )
