"""The one request path behind every /v1 endpoint: client body → hub → Gateway → client format.

An endpoint says which format its client speaks (and, for Gemini, the model from the URL and the
stream framing); everything else is shared: parsing, the same-format lane, streaming, and errors
rendered once, in the client's format.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from omniroute_agent import json_codec
from omniroute_agent.core.gateway import ClientBody
from omniroute_agent.errors import GatewayError, InvalidRequest, RoutingFailed, UpstreamError
from omniroute_agent.formats import Format
from omniroute_agent.server.state import api_key_id_of, request_id_of, runtime_of
from omniroute_agent.server.streaming import EventStream
from omniroute_agent.translate.framing import Framing
from omniroute_agent.translate.registry import CODECS

log = logging.getLogger("omniroute.proxy")


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json_codec.loads(raw)
    except ValueError as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be a JSON object")
    return body


async def serve(
    request: Request,
    fmt: Format,
    *,
    model: str | None = None,
    stream: bool | None = None,
    framing: Framing = "sse",
    body: dict[str, Any] | None = None,
) -> Response:
    """Answers one chat request from a client of `fmt`. `model` and `stream` override the body
    (Gemini names both in the URL; pinned routes prefix the provider); `body` is the parsed body
    when the endpoint already read it."""
    try:
        if body is None:
            body = await read_json(request)
        codec = CODECS[fmt]
        hub = codec.request_to_hub(body)
        if model is not None:
            hub["model"] = model
        wants_stream = bool(hub.get("stream")) if stream is None else stream
        gateway = runtime_of(request).gateway
        request_id = request_id_of(request)
        client = ClientBody(fmt, body)
        if wants_stream:
            live = await gateway.stream(
                hub,
                request_id=request_id,
                surface="v1",
                client_format=fmt,
                client_framing=framing,
                client=client,
                api_key_id=api_key_id_of(request),
            )
            return EventStream(
                live.events(),
                media_type=live.media_type,
                headers={"cache-control": "no-cache", "x-omniroute-target": live.target},
            )
        done = await gateway.complete(
            hub,
            request_id=request_id,
            surface="v1",
            client=client,
            api_key_id=api_key_id_of(request),
            idempotency_key=request.headers.get("idempotency-key") or None,
        )
        headers = {"x-omniroute-target": done.target}
        if done.raw_body is not None and done.raw_format == fmt:
            return Response(done.raw_body, media_type="application/json", headers=headers)  # the upstream's bytes
        answer = json_codec.dumps(codec.response_from_hub(done.response, done.requested))
        return Response(answer, media_type="application/json", headers=headers)
    except GatewayError as exc:
        return render_error(exc, fmt)
    except Exception:
        log.exception("request %s failed inside the gateway", request_id_of(request))
        return render_error(GatewayError("internal error in the gateway; the request id is in the logs"), fmt)


def render_error(exc: GatewayError, fmt: Format) -> Response:
    """A GatewayError in the client's format. A provider's own error keeps its status; its body
    goes through as it is when the client speaks the provider's format, else its message does."""
    headers: dict[str, str] = {}
    if isinstance(exc, RoutingFailed) and exc.retry_after is not None:
        headers["retry-after"] = str(max(1, math.ceil(exc.retry_after)))
    if isinstance(exc, UpstreamError) and exc.body and exc.format is not None:
        if exc.format == fmt and _is_json(exc.body):
            return Response(exc.body, status_code=exc.status, media_type="application/json", headers=headers)
        message, code = CODECS[exc.format].parse_error(exc.status, exc.body)  # type: ignore[index]
        exc = UpstreamError(f"upstream: {message}", status=exc.status, code=code or exc.code)
    status, body = CODECS[fmt].error_body(exc)
    return JSONResponse(body, status_code=status, headers=headers)


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True
