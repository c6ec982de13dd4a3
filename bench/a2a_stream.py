"""A2A streaming: how long after the upstream's first token the caller sees the first artifact chunk.

    .venv/bin/python bench/a2a_stream.py [--runs 30] [--first-token-ms 150]

Loopback only. An in-process fake OpenAI upstream waits `--first-token-ms` before its first token,
then sends five more 20 ms apart. Each run sends `message/stream` (A2A 0.3, SSE) to a real gateway
and timestamps, on the same clock: when the upstream received the request, when it wrote its first
token, and when the caller read the first artifact-update event. Reports p50/p95 of the caller's
time to first chunk and of the gap after the upstream's first token.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway import start_gateway

TOKENS = ["The", " capital", " of", " France", " is", " Paris."]


class LoopbackServer:
    """An aiohttp app on a free loopback port, served from its own thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def start(self) -> None:
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    async def _start(self) -> None:
        app = web.Application()
        self.routes(app)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


class SlowUpstream(LoopbackServer):
    def __init__(self, first_token_s: float) -> None:
        super().__init__()
        self.first_token_s = first_token_s
        self.first_token_at: list[float] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/up/v1/chat/completions", self._answer)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        resp = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await resp.prepare(request)
        await asyncio.sleep(self.first_token_s)
        for n, token in enumerate(TOKENS):
            chunk = {
                "id": "c",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "m",
                "choices": [{"index": 0, "delta": {"content": token}, "finish_reason": None}],
            }
            await resp.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            if n == 0:
                self.first_token_at.append(time.perf_counter())
            await asyncio.sleep(0.02)
        done = {
            "id": "c",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "m",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
        await resp.write(b"data: " + json.dumps(done).encode() + b"\n\ndata: [DONE]\n\n")
        await resp.write_eof()
        return resp


def one_run(base: str) -> float:
    """Seconds (perf_counter) when the first artifact-update event was read."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "message/stream",
        "params": {"message": {"role": "user", "messageId": "m", "parts": [{"kind": "text", "text": "hi"}]}},
    }
    with httpx.stream("POST", base + "/a2a", json=body, timeout=30) as resp:
        for line in resp.iter_lines():
            if line.startswith("data:") and '"artifact-update"' in line:
                return time.perf_counter()
    raise RuntimeError("no artifact chunk in the stream")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--first-token-ms", type=float, default=150)
    args = parser.parse_args()
    upstream = SlowUpstream(args.first_token_ms / 1000)
    upstream.start()
    with tempfile.TemporaryDirectory(prefix="omniroute-bench-") as tmp:
        config = Path(tmp) / "omniroute.toml"
        config.write_text(
            f'[server]\ndefault_model = "up/m"\n\n[[providers]]\nid = "up"\nformat = "openai"\n'
            f'base_url = "http://127.0.0.1:{upstream.port}/up/v1"\napi_keys = ["u1"]\nmodels = ["m"]\n'
        )
        proc, base = start_gateway(Path(tmp) / "data", config)
        try:
            one_run(base)  # warm-up
            to_first, gap = [], []
            for _ in range(args.runs):
                sent = time.perf_counter()
                seen = one_run(base)
                to_first.append((seen - sent) * 1000)
                gap.append((seen - upstream.first_token_at[-1]) * 1000)
        finally:
            proc.terminate()
            proc.wait(10)
    for name, values in (
        ("caller's time to first artifact chunk", to_first),
        ("after the upstream wrote its first token", gap),
    ):
        ordered = sorted(values)
        print(f"{name}: p50 {statistics.median(ordered):.1f} ms, p95 {ordered[int(0.95 * len(ordered)) - 1]:.1f} ms")
    print(f"(upstream waits {args.first_token_ms:.0f} ms before its first token; {args.runs} runs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
