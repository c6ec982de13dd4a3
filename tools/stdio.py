"""`omniroute --mcp`: MCP over stdio that answers `initialize` before the gateway is open.

The server starts with no tools and reads stdin at once. Once the handshake is over (the client's
`notifications/initialized`, or any request but `initialize` and `ping`), or STARTUP_GRACE_S after
the start without one, it registers the tools and opens the runtime; the imports and registration
run in a worker thread, so the event loop keeps serving. Until both are done the gate holds every
request but `initialize`, `ping`, `server/discover` and notifications: a tool call sent right
after `initialize` waits for the runtime, then runs.

If start-up fails (a bad data dir, say), stderr says why once; from then on a tool call is an error
result with the reason, reading a resource or getting a prompt a JSON-RPC error, and the lists still
list everything (registering a tool does not need the runtime, see `tools/view.py`).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, CallToolResult, TextContent

from omniroute_agent.config import Settings
from omniroute_agent.errors import GatewayError
from omniroute_agent.tools import TOOL_SCOPES, new_server, register_tools, stdio_caller
from omniroute_agent.tools.guard import Guard
from omniroute_agent.tools.heartbeat import heartbeat

if TYPE_CHECKING:
    from omniroute_agent.a2a.engine import TaskEngine
    from omniroute_agent.core.batch import BatchWriter
    from omniroute_agent.core.gateway import Gateway
    from omniroute_agent.runtime import Runtime
    from omniroute_agent.store.base import AuditRow
    from omniroute_agent.store.sqlite import SqliteStore

log = logging.getLogger("omniroute")

STARTUP_GRACE_S = 0.5  # for a client that sends `initialize` and then nothing for a while
EARLY = frozenset({"initialize", "ping", "server/discover"})  # answered without tools or runtime
LISTS = frozenset({"tools/list", "resources/list", "resources/templates/list", "prompts/list"})


async def serve(settings: Settings) -> None:
    if settings.secret_key:  # a bad OMNIROUTE_SECRET_KEY is a bad config: refused before serving
        from omniroute_agent.store.crypto import load_cipher

        load_cipher(settings.data_dir, settings.secret_key)
    late = LateRuntime(settings)
    gate = Gate()
    server = new_server(gate, Guard(TOOL_SCOPES, late, stdio_caller(late)))
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:
        tg.start_soon(_start_up, server, late, gate, stop)
        try:
            await server.run_stdio_async()
        finally:
            stop.set()
            gate.begin.set()


class LateRuntime:
    """The runtime as the stdio tools see it: settings at once, the rest once `Runtime.running`
    has yielded. The gate holds every request that reads it until then."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.runtime: Runtime | None = None

    @property
    def store(self) -> SqliteStore:
        return self._opened().store

    @property
    def gateway(self) -> Gateway:
        return self._opened().gateway

    @property
    def tasks(self) -> TaskEngine:
        return self._opened().tasks

    @property
    def audit(self) -> BatchWriter[AuditRow]:
        return self._opened().audit

    def _opened(self) -> Runtime:
        if self.runtime is None:
            raise RuntimeError("the gateway runtime is not open")
        return self.runtime


class Gate:
    """The outermost middleware: holds what needs the tools or the runtime until start-up settles."""

    def __init__(self) -> None:
        self.begin = anyio.Event()  # the handshake is over: start-up may have the CPU
        self._settled = anyio.Event()
        self._failure: str | None = None

    def settle(self, failure: str | None = None) -> None:
        self._failure = failure
        self._settled.set()

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method not in ("initialize", "ping"):
            self.begin.set()
        if ctx.method in EARLY or ctx.method.startswith("notifications/"):
            return await call_next(ctx)
        await self._settled.wait()
        if self._failure is None or ctx.method in LISTS:
            return await call_next(ctx)
        reason = f"omniroute could not start: {self._failure}"
        if ctx.method == "tools/call":
            return CallToolResult(content=[TextContent(text=reason)], is_error=True)
        raise MCPError(INTERNAL_ERROR, reason)


async def _start_up(server: MCPServer, late: LateRuntime, gate: Gate, stop: anyio.Event) -> None:
    """Registers the tools, opens the runtime and the heartbeat, and keeps them until `stop`."""
    with anyio.move_on_after(STARTUP_GRACE_S):
        await gate.begin.wait()
    if stop.is_set():
        return  # the client hung up without asking for anything
    stack = contextlib.AsyncExitStack()
    try:
        try:
            await anyio.to_thread.run_sync(register_tools, server, late)
            running = (await anyio.to_thread.run_sync(_runtime_class)).running
            late.runtime = await stack.enter_async_context(running(late.settings))
            tools = len(await server.list_tools())
            await stack.enter_async_context(heartbeat(late, transport="stdio", tools=tools))
        except Exception as exc:  # the surface's edge: said once on stderr, then by every call
            reason = exc.message if isinstance(exc, GatewayError) else str(exc) or type(exc).__name__
            log.error("omniroute --mcp could not start, tool calls will fail: %s", reason)
            log.debug("start-up failure", exc_info=exc)
            gate.settle(reason)
        else:
            gate.settle()
        await stop.wait()
    finally:
        with anyio.CancelScope(shield=True):  # the runtime flushes usage and audit on the way out
            await stack.aclose()


def _runtime_class() -> type[Runtime]:
    from omniroute_agent import runtime  # imported off the event loop, as the tool modules are

    return runtime.Runtime
