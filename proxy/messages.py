"""POST /v1/messages and /v1/messages/count_tokens (Anthropic clients such as Claude Code)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from omniroute_agent.errors import GatewayError
from omniroute_agent.proxy.claude_code import answer, probe_answer
from omniroute_agent.proxy.handler import read_json, render_error, serve
from omniroute_agent.server.state import runtime_of
from omniroute_agent.translate.registry import CODECS


async def messages(request: Request) -> Response:
    if runtime_of(request).settings.file.server.claude_code_bypass:
        try:
            body = await read_json(request)
        except GatewayError as exc:
            return render_error(exc, "anthropic")
        if (text := probe_answer(body)) is not None:
            return answer(body, text)
        return await serve(request, "anthropic", body=body)
    return await serve(request, "anthropic")


async def count_tokens(request: Request) -> Response:
    """An estimate made here (about four characters a token over everything the model would
    read), so a client's context bookkeeping never costs an upstream call."""
    try:
        body = await read_json(request)
        hub = CODECS["anthropic"].request_to_hub({**body, "max_tokens": body.get("max_tokens", 1)})
    except GatewayError as exc:
        return render_error(exc, "anthropic")
    return JSONResponse({"input_tokens": estimate_tokens(hub)})


def estimate_tokens(hub: Any) -> int:
    text = json.dumps(hub.get("messages", []), ensure_ascii=False) + json.dumps(hub.get("tools", []))
    return max(1, len(text) // 4)
