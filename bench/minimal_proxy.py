"""The Python floor: the smallest useful proxy (Starlette + one aiohttp session, uvicorn with
uvloop and httptools) forwarding POST /v1/chat/completions to one upstream, bytes in and out.

    python bench/minimal_proxy.py UPSTREAM_BASE_URL PORT

Streaming requests go to the fake upstream's /sse path, the others to /json (bench/upstream.py).
bench/run.py loads it like the gateway (pinned to the gateway's CPU): the `python floor` rows show
how much of the gateway's cost any Python server pays, and how much is the gateway's own work.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

import aiohttp
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

UPSTREAM = sys.argv[1].rstrip("/") + "/{}/v1/chat/completions"
session: aiohttp.ClientSession


async def chat(request: Request) -> Response:
    body = await request.body()
    headers = {"content-type": "application/json", "authorization": "Bearer upstream-key"}
    stream = b'"stream":true' in body or b'"stream": true' in body
    upstream = await session.post(UPSTREAM.format("sse" if stream else "json"), data=body, headers=headers)
    if stream:

        async def relay() -> AsyncIterator[bytes]:
            async for chunk in upstream.content.iter_any():
                yield chunk
            upstream.release()

        return StreamingResponse(relay(), media_type="text/event-stream")
    data = await upstream.read()
    return Response(data, status_code=upstream.status, media_type="application/json")


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    global session
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        yield


app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])], lifespan=lifespan)

if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[2]),
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )
