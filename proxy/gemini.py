"""POST /v1beta/models/{model}:generateContent and :streamGenerateContent (Gemini clients).

The model and the action share the last path segment; `alt=sse` picks SSE framing for a
stream, else the stream is one JSON array, as Google's API does it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from omniroute_agent.errors import NotFound
from omniroute_agent.proxy.handler import render_error, serve
from omniroute_agent.translate.framing import Framing

ACTIONS = {"generateContent": False, "streamGenerateContent": True}


async def gemini(request: Request) -> Response:
    model, _, action = str(request.path_params["target"]).rpartition(":")
    if action not in ACTIONS or not model:
        return render_error(
            NotFound(f"unknown Gemini method '{action}' (generateContent, streamGenerateContent)"), "gemini"
        )
    stream = ACTIONS[action]
    framing: Framing = "sse" if request.query_params.get("alt") == "sse" else "json-array"
    return await serve(request, "gemini", model=model.removeprefix("models/"), stream=stream, framing=framing)
