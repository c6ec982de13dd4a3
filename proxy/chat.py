"""POST /v1/chat/completions (OpenAI clients) and the provider-pinned form."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from omniroute_agent.errors import GatewayError
from omniroute_agent.proxy.handler import read_json, render_error, serve
from omniroute_agent.translate.detect import detect_format


async def chat_completions(request: Request) -> Response:
    """OpenAI Chat, or a body that can only be another format (then answered in that format)."""
    try:
        body = await read_json(request)
    except GatewayError as exc:
        return render_error(exc, "openai")
    return await serve(request, detect_format(body), body=body)


async def pinned_chat_completions(request: Request) -> Response:
    """`/v1/providers/{provider}/chat/completions`: the model is looked up in that provider only."""
    provider = request.path_params["provider"]
    try:
        body = await read_json(request)
    except GatewayError as exc:
        return render_error(exc, "openai")
    model = str(body.get("model") or "")
    pinned = model if model.startswith(f"{provider}/") else f"{provider}/{model}"
    return await serve(request, "openai", model=pinned, body=body)
