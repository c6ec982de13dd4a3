"""A fake provider on loopback that replays the wire fixtures of all five formats, with faults.

One aiohttp server in a thread serves many pretend providers: the first path segment names the
provider, the rest is the format's own path:

    /<name>/v1/chat/completions                      openai      base_url = url(name)
    /<name>/v1/responses                             responses   base_url = url(name)
    /<name>/v1/messages                              anthropic   base_url = url(name)
    /<name>/v1beta/models/<model>:generateContent    gemini      base_url = url(name, "gemini")
    /<name>/api/chat                                 ollama      base_url = url(name, "ollama")

Each provider answers from its queue of scripted `Reply`s, then from its default (the `text`
scenario). A reply names a scenario (`text`, `tools`, `tools.followup`, `reasoning`) and the
fixture of the request's format and kind (stream or not) is replayed byte for byte. Every request
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

# format → (fixture dir, stream fixture suffix, stream content type)
FORMATS: dict[str, tuple[str, str, str]] = {
    "openai": ("openai-chat", "stream.sse", "text/event-stream"),
    "responses": ("openai-responses", "stream.sse", "text/event-stream"),
    "anthropic": ("anthropic", "stream.sse", "text/event-stream"),
    "gemini": ("gemini", "stream.sse", "text/event-stream"),
    "ollama": ("ollama", "stream.ndjson", "application/x-ndjson"),
}
# the reasoning scenario's fixture name in each format
REASONING = {
    "openai": "reasoning-deepseek",
    "responses": "reasoning",
    "anthropic": "thinking",
    "gemini": "thinking",
    "ollama": "thinking",
}


def fixture_bytes(name: str) -> bytes:
    return (WIRE / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


def scenario_file(fmt: str, scenario: str, *, stream: bool) -> str:
    folder, suffix, _ = FORMATS[fmt]
    base = REASONING[fmt] if scenario == "reasoning" else scenario
    return f"{folder}/{base}.{suffix if stream else 'response.json'}"


@dataclass
class Reply:
    status: int = 200
    scenario: str = "text"
    body: bytes | None = None  # None: the scenario's fixture for the request's format and kind
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    stall: float = 0.0  # stream: seconds of silence after the status line, before the first byte
    cut_after: int | None = None  # stream: drop the connection after this many bytes
    hang_after: int | None = None  # stream: go silent (for 10 s) after this many bytes
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
    format: str = "openai"


class FakeUpstream:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._queues: dict[str, deque[Reply]] = defaultdict(deque)
        self._defaults: dict[str, Reply] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def url(self, provider: str, fmt: str = "openai") -> str:
        root = f"http://127.0.0.1:{self.port}/{provider}"
        return {"gemini": f"{root}/v1beta", "ollama": root}.get(fmt, f"{root}/v1")

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
        app.router.add_post("/{provider}/v1/chat/completions", self._handler("openai"))
        app.router.add_post("/{provider}/v1/responses", self._handler("responses"))
        app.router.add_post("/{provider}/v1/messages", self._handler("anthropic"))
        app.router.add_post("/{provider}/v1beta/models/{target}", self._handler("gemini"))
        app.router.add_post("/{provider}/api/chat", self._handler("ollama"))
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def _handler(self, fmt: str):  # type: ignore[no-untyped-def]
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._answer(fmt, request)

        return handle

    async def _answer(self, fmt: str, request: web.Request) -> web.StreamResponse:
        provider = request.match_info["provider"]
        body = await request.json()
        self.received.append(Received(provider, request.path_qs, dict(request.headers), body, fmt))
        queue = self._queues[provider]
        reply = queue.popleft() if queue else self._defaults.get(provider, Reply())
        if reply.delay:
            await asyncio.sleep(reply.delay)
        stream = _wants_stream(fmt, request, body)
        if reply.status != 200 or not stream:
            payload = (
                reply.body
                if reply.body is not None
                else fixture_bytes(scenario_file(fmt, reply.scenario, stream=False))
            )
            return web.Response(
                status=reply.status, body=payload, headers=reply.headers, content_type="application/json"
            )
        payload = (
            reply.body if reply.body is not None else fixture_bytes(scenario_file(fmt, reply.scenario, stream=True))
        )
        resp = web.StreamResponse(status=200, headers={"content-type": FORMATS[fmt][2], **reply.headers})
        await resp.prepare(request)
        if reply.stall:
            await asyncio.sleep(reply.stall)
        sent = 0
        for start in range(0, len(payload), reply.chunk_size):
            piece = payload[start : start + reply.chunk_size]
            if reply.hang_after is not None and sent + len(piece) > reply.hang_after:
                await resp.write(piece[: reply.hang_after - sent])
                await asyncio.sleep(10)
                return resp
            if reply.cut_after is not None and sent + len(piece) > reply.cut_after:
                await resp.write(piece[: reply.cut_after - sent])
                request.transport.close()  # type: ignore[union-attr]
                return resp
            await resp.write(piece)
            sent += len(piece)
        await resp.write_eof()
        return resp


def _wants_stream(fmt: str, request: web.Request, body: dict[str, Any]) -> bool:
    if fmt == "gemini":
        return request.match_info["target"].endswith(":streamGenerateContent")
    if fmt == "ollama":
        return bool(body.get("stream", True))
    return bool(body.get("stream"))
