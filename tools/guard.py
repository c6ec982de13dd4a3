"""The MCP middleware every request passes: who the caller is, what it may see and call, and the
audit row of every tool call.

    tools/list   only the tools whose scopes the caller holds
    tools/call   refused with an error result naming the missing scopes; otherwise run, and
                 recorded (tool, caller key id, input hash, output summary, duration, success,
                 error code) by the process that ran it
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from omniroute_agent.core.scopes import missing
from omniroute_agent.store.base import AuditRow
from omniroute_agent.tools.caller import CALLER, Caller
from omniroute_agent.tools.view import RuntimeView

SUMMARY_CHARS = 200


class Guard:
    def __init__(
        self,
        tool_scopes: Mapping[str, tuple[str, ...]],
        runtime: RuntimeView,
        identify: Callable[[ServerRequestContext[Any, Any]], Caller],
    ) -> None:
        self._tool_scopes = tool_scopes
        self._runtime = runtime  # its audit writer is read when a call is recorded, not before
        self._identify = identify

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        caller = self._identify(ctx)
        token = CALLER.set(caller)
        try:
            if ctx.method == "tools/list":
                return self._visible(await call_next(ctx), caller)
            if ctx.method == "tools/call":
                return await self._call(ctx, call_next, caller)
            return await call_next(ctx)
        finally:
            CALLER.reset(token)

    def allowed(self, tool: str, caller: Caller) -> bool:
        return not missing(caller.scopes, self._tool_scopes.get(tool, ("*",)))

    def _visible(self, result: HandlerResult, caller: Caller) -> HandlerResult:
        if isinstance(result, BaseModel) and hasattr(result, "tools"):
            kept = [t for t in result.tools if self.allowed(t.name, caller)]
            return result.model_copy(update={"tools": kept})
        if isinstance(result, dict) and isinstance(result.get("tools"), list):
            return {**result, "tools": [t for t in result["tools"] if self.allowed(str(t.get("name")), caller)]}
        return result

    async def _call(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext, caller: Caller) -> HandlerResult:
        params = dict(ctx.params or {})
        tool = str(params.get("name", ""))
        arguments = params.get("arguments") or {}
        started = time.perf_counter()
        lacking = missing(caller.scopes, self._tool_scopes.get(tool, ("*",))) if tool in self._tool_scopes else []
        if lacking:
            text = f"the caller's key lacks the scopes this tool needs: {', '.join(lacking)}"
            result: HandlerResult = CallToolResult(content=[TextContent(text=text)], is_error=True)
            await self._record(tool, caller, arguments, started, result, "forbidden")
            return result
        try:
            result = await call_next(ctx)
        except Exception as exc:
            await self._record(tool, caller, arguments, started, None, type(exc).__name__)
            raise
        await self._record(tool, caller, arguments, started, result, None)
        return result

    async def _record(
        self, tool: str, caller: Caller, arguments: Any, started: float, result: HandlerResult, code: str | None
    ) -> None:
        failed = code is not None or _is_error(result)
        await self._runtime.audit.record(
            AuditRow(
                ts=time.time(),
                tool=tool,
                key_id=caller.key_id or (caller.owner if caller.transport == "stdio" else None),
                transport=caller.transport,
                input_hash=hashlib.sha256(json.dumps(arguments, sort_keys=True, default=str).encode()).hexdigest()[:16],
                output_summary=_summary(result),
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                success=not failed,
                error_code=code or ("tool_error" if failed else None),
            )
        )


def _is_error(result: HandlerResult) -> bool:
    if isinstance(result, BaseModel):
        return bool(getattr(result, "is_error", False))
    if isinstance(result, dict):
        return bool(result.get("isError") or result.get("is_error"))
    return False


def _summary(result: HandlerResult) -> str:
    if isinstance(result, BaseModel):
        content = getattr(result, "content", None) or []
        texts = [getattr(c, "text", "") for c in content]
        return " ".join(t for t in texts if t)[:SUMMARY_CHARS]
    if isinstance(result, dict):
        return json.dumps(result, default=str)[:SUMMARY_CHARS]
    return ""
