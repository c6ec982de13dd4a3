"""Pure ASGI middleware (no per-request task or body buffering): request ids and gateway keys.

Every response carries `X-Request-Id` (the caller's, if it sent a sane one). When gateway keys
exist, /v1, /a2a, /mcp and /api need one, as `Authorization: Bearer`, `x-api-key` or
`x-goog-api-key`; a refusal is rendered in the format of the surface that was called.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable

from starlette.datastructures import Headers, MutableHeaders, QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omniroute_agent.errors import AuthenticationFailed
from omniroute_agent.formats import Format
from omniroute_agent.store.crypto import hash_api_key
from omniroute_agent.translate.registry import CODECS

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
PROTECTED = ("/v1/", "/v1beta/", "/a2a", "/mcp", "/api/")


def assign_request_id(scope: Scope) -> str:
    """The caller's `X-Request-Id` if it is sane, else a new one; kept in the scope's state."""
    given = ""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            given = value.decode("latin-1")
            break
    request_id = given if given and _SAFE_ID.match(given) else new_request_id()
    scope.setdefault("state", {})["request_id"] = request_id
    return request_id


_ID_PREFIX = os.urandom(8).hex()
_ID_COUNTER = itertools.count()


def new_request_id() -> str:
    """32 hex digits, unique per process run: a random prefix drawn at start and a counter (a
    random draw per request costs a system call on the hot path)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, with_request_id(send, assign_request_id(scope)))


def with_request_id(send: Send, request_id: str) -> Send:
    """`send`, adding `X-Request-Id` to the response's headers."""

    async def send_with_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message)["x-request-id"] = request_id
        await send(message)

    return send_with_id


def presented_key(scope: Scope) -> str | None:
    """The gateway key as each client family sends it: Bearer (OpenAI, A2A, MCP), `x-api-key`
    (Anthropic), `x-goog-api-key` or `?key=` (Gemini)."""
    headers = Headers(scope=scope)
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    key = headers.get("x-api-key") or headers.get("x-goog-api-key")
    if key:
        return key
    if scope["path"].startswith("/v1beta/"):
        return QueryParams(scope.get("query_string", b"")).get("key") or None
    return None


class ApiKeyMiddleware:
    """`key_ids()` maps each accepted key's hash to its id; empty means no key is needed. The id of
    the key a request presented goes into `scope["state"]["api_key_id"]` (usage rows, budgets)."""

    def __init__(self, app: ASGIApp, key_ids: Callable[[Scope], dict[str, str]]) -> None:
        self.app = app
        self.key_ids = key_ids

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED):
            await self.app(scope, receive, send)
            return
        if refusal := admit(scope, self.key_ids(scope)):
            await refuse(scope, send, refusal)
            return
        await self.app(scope, receive, send)


def admit(scope: Scope, ids: dict[str, str]) -> str | None:
    """None when the request may pass (its key id, if any, goes into the scope's state), else
    why it may not. `ids` maps each accepted key's hash to its id; empty means no key is needed."""
    if not ids:
        return None
    key = presented_key(scope)
    key_id = ids.get(hash_api_key(key)) if key is not None else None
    if key_id is None:
        return "missing API key" if key is None else "invalid API key"
    scope.setdefault("state", {})["api_key_id"] = key_id
    return None


def client_format(path: str) -> Format:
    if path.startswith("/v1/messages"):
        return "anthropic"
    if path.startswith("/v1beta/"):
        return "gemini"
    return "openai"


async def refuse(scope: Scope, send: Send, reason: str) -> None:
    path: str = scope["path"]
    message = f"{reason}: send a gateway key as 'Authorization: Bearer <key>'"
    body: dict[str, object]
    if path.startswith("/a2a"):
        body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}
    elif path.startswith("/mcp"):
        body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32001, "message": message}}
    else:
        body = CODECS[client_format(path)].error_body(AuthenticationFailed(message))[1]
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"www-authenticate", b'Bearer realm="omniroute"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
