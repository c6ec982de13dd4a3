"""What one fallback hop adds: the same request through a combo whose first target answers 429,
against a combo that goes straight to the target that answers.

    .venv/bin/python bench/fallback_hop.py [--requests 400]

Loopback only. An in-process aiohttp fake answers instantly (the wire fixture's chat completion,
or the fixture 429 with Retry-After: 1). The failing provider has more keys than the run sends
requests per second and its combo has `retries_per_target = 0`, so every request makes exactly
one hop (a fresh key each time, round-robin) instead of skipping a cooling key. Requests are
sequential (concurrency 1) over one keep-alive connection; the two combos are interleaved so
both see the same machine. Prints p50/p95/p99 of each and the added latency of the hop, and one
request's stored attempt trace.
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
from typing import Any

import httpx
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway import start_gateway

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT / "tests" / "wire" / "openai-chat"
KEY = "sk-bench"


class LoopbackServer:
    """An aiohttp app on a free loopback port, served from its own thread (shared by the benches)."""

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


class InstantUpstream(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self.ok = (WIRE / "text.response.json").read_bytes()
        self.limited = (WIRE / "error-429.json").read_bytes()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/{name}/v1/chat/completions", self._answer)

    async def _answer(self, request: web.Request) -> web.Response:
        await request.read()
        if request.match_info["name"] == "down":
            return web.Response(
                status=429, body=self.limited, content_type="application/json", headers={"retry-after": "1"}
            )
        return web.Response(body=self.ok, content_type="application/json")


def config(port: int, keys: int) -> str:
    down_keys = ", ".join(f'"d{n}"' for n in range(keys))
    return f"""
[server]
api_keys = ["{KEY}"]

[routing]
account_strategy = "round-robin"

[[providers]]
id = "down"
format = "openai"
base_url = "http://127.0.0.1:{port}/down/v1"
api_keys = [{down_keys}]
models = ["m"]

[[providers]]
id = "up"
format = "openai"
base_url = "http://127.0.0.1:{port}/up/v1"
api_keys = ["u1"]
models = ["m"]

[[combos]]
name = "direct"
models = ["up/m"]

[[combos]]
name = "hop"
models = ["down/m", "up/m"]
retries_per_target = 0
"""


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]  # noqa: E731
    return {"p50": pick(50), "p95": pick(95), "p99": pick(99), "mean": statistics.fmean(ordered)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests per combo (default 400)")
    args = parser.parse_args()
    upstream = InstantUpstream()
    upstream.start()
    with tempfile.TemporaryDirectory(prefix="omniroute-bench-") as tmp:
        path = Path(tmp) / "omniroute.toml"
        path.write_text(config(upstream.port, keys=max(200, args.requests)))
        proc, base = start_gateway(Path(tmp) / "data", path)
        try:
            timings: dict[str, list[float]] = {"direct": [], "hop": []}
            trace: list[dict[str, Any]] = []
            with httpx.Client(base_url=base, headers={"authorization": f"Bearer {KEY}"}, timeout=30) as client:
                body = {"messages": [{"role": "user", "content": "hi"}]}
                for model in ("direct", "hop") * 20:  # warm-up, not counted
                    client.post("/v1/chat/completions", json={**body, "model": model}).raise_for_status()
                last_id = ""
                for _ in range(args.requests):
                    for model in ("direct", "hop"):
                        started = time.perf_counter()
                        resp = client.post("/v1/chat/completions", json={**body, "model": model})
                        timings[model].append((time.perf_counter() - started) * 1000)
                        resp.raise_for_status()
                        last_id = resp.headers["x-request-id"]
                trace = client.get(f"/api/logs/{last_id}").json()["calls"][0]["attempts"]
        finally:
            proc.terminate()
            proc.wait(10)
    direct, hop = percentiles(timings["direct"]), percentiles(timings["hop"])
    print(f"{args.requests} sequential requests per combo, loopback, instant upstream")
    print("| combo | p50 ms | p95 ms | p99 ms | mean ms |\n|---|---|---|---|---|")
    for name, p in (("direct (1 target)", direct), ("hop (429, then the same target)", hop)):
        print(f"| {name} | {p['p50']:.2f} | {p['p95']:.2f} | {p['p99']:.2f} | {p['mean']:.2f} |")
    print(
        f"added by one fallback hop: p50 {hop['p50'] - direct['p50']:.2f} ms, "
        f"mean {hop['mean'] - direct['mean']:.2f} ms"
    )
    print("attempt trace of the last 'hop' request:")
    print(json.dumps(trace, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
