"""How a request handler reaches the running gateway and its request id."""

from __future__ import annotations

from starlette.requests import Request

from omniroute_agent.runtime import Runtime


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def request_id_of(request: Request) -> str:
    return str(request.scope["state"]["request_id"])


def api_key_id_of(request: Request) -> str | None:
    """The id of the gateway key the request presented (None when no keys are configured)."""
    key_id = request.scope.get("state", {}).get("api_key_id")
    return str(key_id) if key_id else None
