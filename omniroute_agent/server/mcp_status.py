"""The MCP side of the management API: the audit log and its statistics, the tools with the
scopes they need, and which MCP servers are running (HTTP sessions, stdio heartbeats)."""

from __future__ import annotations

import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from omniroute_agent.server.state import runtime_of

HEARTBEAT_PATTERN = "mcp-stdio-*.json"


async def audit(request: Request) -> JSONResponse:
    """GET /api/mcp/audit?tool=&key_id=&success=true|false&limit=50&offset=0 (newest first)."""
    runtime = runtime_of(request)
    await runtime.audit.flush()
    q = request.query_params
    success = {"true": True, "false": False}.get(q.get("success", "").lower())
    limit = min(max(int(q.get("limit", "50") or 50), 1), 500)
    offset = max(int(q.get("offset", "0") or 0), 0)
    rows = await runtime.store.list_audit(
        tool=q.get("tool") or None, key_id=q.get("key_id") or None, success=success, limit=limit, offset=offset
    )
    return JSONResponse(
        {
            "limit": limit,
            "offset": offset,
            "rows": [
                {
                    "ts": r.ts,
                    "tool": r.tool,
                    "key_id": r.key_id,
                    "transport": r.transport,
                    "input_hash": r.input_hash,
                    "output_summary": r.output_summary,
                    "duration_ms": r.duration_ms,
                    "success": r.success,
                    "error_code": r.error_code,
                }
                for r in rows
            ],
        }
    )


async def audit_stats(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    await runtime.audit.flush()
    return JSONResponse({"tools": await runtime.store.audit_stats()})


async def tools(request: Request) -> JSONResponse:
    from omniroute_agent.tools import TOOL_SCOPES

    listed = (await request.app.state.mcp.ready()).tools
    return JSONResponse(
        {
            "tools": [
                {
                    "name": t.name,
                    "description": t.description,
                    "scopes": list(TOOL_SCOPES.get(t.name, ("*",))),
                    "annotations": t.annotations.model_dump(exclude_none=True, by_alias=True) if t.annotations else {},
                }
                for t in listed
            ]
        }
    )


async def status(request: Request) -> JSONResponse:
    runtime = runtime_of(request)
    mount = await request.app.state.mcp.ready()
    sessions = len(getattr(mount.sessions, "_server_instances", {}) or {})
    now = time.time()
    stdio: list[dict[str, Any]] = []
    for path in sorted(runtime.settings.data_dir.glob(HEARTBEAT_PATTERN)):
        try:
            beat = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        beat["alive"] = now - float(beat.get("last_beat", 0)) < 3 * float(beat.get("interval_s", 10))
        stdio.append(beat)
    return JSONResponse(
        {
            "http": {
                "endpoint": "/mcp",
                "legacy_sse": "/mcp/sse",
                "sessions": sessions,
                "tools": len(mount.tools),
            },
            "stdio": stdio,
        }
    )


ROUTES = [
    Route("/api/mcp/audit", audit, methods=["GET"]),
    Route("/api/mcp/audit/stats", audit_stats, methods=["GET"]),
    Route("/api/mcp/tools", tools, methods=["GET"]),
    Route("/api/mcp/status", status, methods=["GET"]),
]
