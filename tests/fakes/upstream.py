"""A fake provider on loopback that replays the wire fixtures, with faults on demand.

One aiohttp server in a thread serves many pretend providers: the first path segment names the
provider (`http://127.0.0.1:PORT/<name>/v1/chat/completions`). Each provider answers from its
queue of scripted `Reply`s, then from its default (the `text` fixture). Every request it receives
is kept, with its headers and JSON body, for assertions.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

WIRE = Path(__file__).resolve().parent.parent / "wire"


def fixture_bytes(name: str) -> bytes:
    return (WIRE / name).read_bytes()


@dataclass
class Reply:
    status: int = 200
    body: bytes | None = None  # None: the fixture for the request kind (stream or not)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    cut_after: int | None = None  # stream: drop the connection after this many bytes
    chunk_size: int = 97  # stream: bytes per write, to exercise re-framing

    @classmethod
    def error(cls, fmt: str, status: int) -> Reply:
        """The fixture error of `fmt` (e.g. 'openai-chat', 429) with its status and headers."""
        meta = json.loads(fixture_bytes(f"{fmt}/error-{status}.meta.json"))
        return cls(
            status=meta["status"],
            body=fixture_bytes(f"{fmt}/error-{status}.json"),
            headers={k: v for k, v in meta["headers"].items() if k != "content-type"},
        )


@dataclass
class Received:
    provider: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeUpstream:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._queues: dict[str, deque[Reply]] = defaultdict(deque)
        self._defaults: dict[str, Reply] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, provider: str) -> str:
        return f"http://127.0.0.1:{self.port}/{provider}/v1"

    def script(self, provider: str, *replies: Reply) -> None:
        self._queues[provider].extend(replies)

    def set_default(self, provider: str, reply: Reply) -> None:
        self._defaults[provider] = reply

    def requests_to(self, provider: str) -> list[Received]:
        return [r for r in self.received if r.provider == provider]

    def reset(self) -> None:
        self.received.clear()
        self._queues.clear()
        self._defaults.clear()

    def start(self) -> FakeUpstream:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/{provider}/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        provider = request.match_info["provider"]
        body = await request.json()
        self.received.append(Received(provider, request.path, dict(request.headers), body))
        queue = self._queues[provider]
        reply = queue.popleft() if queue else self._defaults.get(provider, Reply())
        if reply.delay:
            await asyncio.sleep(reply.delay)
        stream = bool(body.get("stream"))
        if reply.status != 200 or not stream:
            payload = (
                reply.body if reply.body is not None else fixture_bytes("openai-chat/text.response.json")
            )
            return web.Response(
                status=reply.status, body=payload, headers=reply.headers, content_type="application/json"
            )
        payload = reply.body if reply.body is not None else fixture_bytes("openai-chat/text.stream.sse")
        resp = web.StreamResponse(status=200, headers={"content-type": "text/event-stream", **reply.headers})
        await resp.prepare(request)
        sent = 0
        for start in range(0, len(payload), reply.chunk_size):
            piece = payload[start : start + reply.chunk_size]
            if reply.cut_after is not None and sent + len(piece) > reply.cut_after:
                await resp.write(piece[: reply.cut_after - sent])
                request.transport.close()  # type: ignore[union-attr]
                return resp
            await resp.write(piece)
            sent += len(piece)
        await resp.write_eof()
        return resp
