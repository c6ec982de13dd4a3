"""The A2A companion API under /api/a2a: counts per state, active streams and the last task; tasks
filtered by state, skill and context (paginated); one task; cancel."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from omniroute_agent.a2a.engine import ListQuery
from omniroute_agent.a2a.errors import A2AError
from omniroute_agent.a2a.types import TaskQueryParams
from omniroute_agent.server.state import runtime_of

STATES = ("submitted", "working", "input-required", "auth-required", "completed", "failed", "canceled", "rejected")


def _error(exc: A2AError) -> JSONResponse:
    status = 404 if exc.code == -32001 else 409 if exc.code == -32002 else 400
    return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=status)


async def status(request: Request) -> JSONResponse:
    engine = runtime_of(request).tasks
    tasks = await engine.list(ListQuery(limit=10_000))
    counts = {state: sum(1 for t in tasks if t.status.state == state) for state in STATES}
    last = tasks[0] if tasks else None
    return JSONResponse(
        {
            "tasks": counts,
            "running": engine.running(),
            "active_streams": engine.active_streams(),
            "last_task": None
            if last is None
            else {"id": last.id, "state": last.status.state, "timestamp": last.status.timestamp},
        }
    )


async def list_tasks(request: Request) -> JSONResponse:
    q = request.query_params
    limit = min(max(int(q.get("limit", "50") or 50), 1), 500)
    offset = max(int(q.get("offset", "0") or 0), 0)
    engine = runtime_of(request).tasks
    tasks = await engine.list(
        ListQuery(
            context_id=q.get("context_id") or None,
            state=q.get("state") or None,
            skill=q.get("skill") or None,
            limit=offset + limit,
        )
    )
    page = tasks[offset : offset + limit]
    return JSONResponse({"offset": offset, "limit": limit, "tasks": [t.wire() for t in page]})


async def get_task(request: Request) -> JSONResponse:
    try:
        task = await runtime_of(request).tasks.get(TaskQueryParams(id=request.path_params["task_id"]))
    except A2AError as exc:
        return _error(exc)
    return JSONResponse(task.wire())


async def cancel_task(request: Request) -> JSONResponse:
    try:
        task = await runtime_of(request).tasks.cancel(request.path_params["task_id"])
    except A2AError as exc:
        return _error(exc)
    return JSONResponse(task.wire())


ROUTES = [
    Route("/api/a2a/status", status, methods=["GET"]),
    Route("/api/a2a/tasks", list_tasks, methods=["GET"]),
    Route("/api/a2a/tasks/{task_id}", get_task, methods=["GET"]),
    Route("/api/a2a/tasks/{task_id}/cancel", cancel_task, methods=["POST"]),
]
