"""POST /v1/chat/completions, streaming and not."""

from __future__ import annotations

import json
from typing import Annotated, Any

from omniroute_agent.proxy.errors import openai_error
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from omniroute_agent.errors import GatewayError, InvalidRequest
from omniroute_agent.server.state import request_id_of, runtime_of
from omniroute_agent.translate.hub import ChatRequest


class ChatCompletionBody(BaseModel):
    """What /v1 checks before routing; every other field goes upstream unchanged."""

    model_config = ConfigDict(extra="allow")
    model: Annotated[str, Field(min_length=1)]
    messages: Annotated[list[dict[str, Any]], Field(min_length=1)]
    stream: bool = False


async def chat_completions(request: Request) -> Response:
    try:
        body = await _read_body(request)
        chat: ChatRequest = body  # type: ignore[assignment]  # validated above, unknown keys kept
        runtime = runtime_of(request)
        request_id = request_id_of(request)
        if body.get("stream"):
            stream = await runtime.gateway.stream(chat, request_id=request_id, surface="v1")
            return StreamingResponse(
                stream.events(),
                media_type="text/event-stream",
                headers={"cache-control": "no-cache", "x-omniroute-target": stream.target},
            )
        done = await runtime.gateway.complete(chat, request_id=request_id, surface="v1")
        return JSONResponse(done.response, headers={"x-omniroute-target": done.target})
    except GatewayError as exc:
        return openai_error(exc)


async def _read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise InvalidRequest("request body must be a JSON object")
    try:
        ChatCompletionBody.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(p) for p in first["loc"])
        raise InvalidRequest(f"'{param}': {first['msg']}", param=param or None) from None
    return body
