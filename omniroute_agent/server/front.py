"""The front door: chat POSTs reach their endpoint straight from the ASGI server.

POST /v1/chat/completions, /v1/messages and /v1/responses skip Starlette's middleware stack and
router: its error middleware, our two middlewares, the exception middleware, the route scan and
the endpoint wrappers each add a coroutine frame and most wrap `send`. On an instant upstream
those layers cost about a quarter of the gateway's CPU per request (py-spy under bench/run.py).
The same checks run here inline, in the same order: request id, gateway key (refused in the
caller's format), endpoint. Every other request, and the lifespan, goes to the Starlette app.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from omniroute_agent.errors import GatewayError
from omniroute_agent.server.middleware import admit, assign_request_id, client_format, refuse, with_request_id
from omniroute_agent.translate.registry import CODECS

log = logging.getLogger("omniroute.proxy")

Endpoint = Callable[[Request], Awaitable[Response]]


class FrontDoor:
    def __init__(self, app: Starlette, hot: Mapping[str, Endpoint], key_ids: Callable[[Scope], dict[str, str]]) -> None:
        self.app = app
        self.hot = hot
        self.key_ids = key_ids

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.hot.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app
        request_id = assign_request_id(scope)
        if refusal := admit(scope, self.key_ids(scope)):
            await refuse(scope, with_request_id(send, request_id), refusal)
            return
        try:
            response = await endpoint(Request(scope, receive))
        except Exception:  # the endpoints answer their own errors; this is a bug's last stop
            log.exception("request %s failed inside the gateway", request_id)
            error = GatewayError("internal error in the gateway; the request id is in the logs")
            status, body = CODECS[client_format(scope["path"])].error_body(error)
            response = JSONResponse(body, status_code=status)
        response.headers["x-request-id"] = request_id
        await response(scope, receive, send)
