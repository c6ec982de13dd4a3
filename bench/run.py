"""The omniroute benchmark: the gateway against the floor (the fake upstream loaded directly).

    bash bench/run.sh [--seconds 10] [--mixed-seconds 60] [--quick] [--workers N]

Loopback only. nginx (or a lean uvloop server) plays an instant OpenAI upstream (bench/upstream.py);
wrk generates the load (bench/load.py); a raw-socket probe times the first byte of streams
(bench/probe.py). The gateway runs pinned to `--gateway-cpus`, nginx and wrk to `--load-cpus`.
For each scenario the same load goes straight at the upstream (`direct`) and through the gateway:

    a  /v1/chat/completions, non-streaming, concurrency 1, 16, 64
    b  the same streaming (31 SSE events), and time to first byte at concurrency 1
    c  /v1/messages from an Anthropic client to the OpenAI upstream (translation), both modes
    d  a combo whose first target answers 429: the cost of one fallback hop
    e  MCP: `omniroute --mcp` cold start to the initialize answer; one omniroute_route_request
    f  A2A: message/send and message/stream to completion
    mixed  10 % malformed bodies and a target failing 10 % with 500 behind a fallback, for
           --mixed-seconds: every good request answered 200, every bad one 4xx, RSS flat,
           every answered request in the usage records

Reports requests/s, p50/p95/p99, the latency added over direct, the gateway's CPU time per
request, idle and peak RSS, and which targets of issue 7 the run meets. Writes
bench/results/<time>.md and .json (and latest.md / latest.json).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load
import probe
import proc
from gateway import start_gateway, stop_gateway
from mcp_startup import one_run as mcp_cold_start
from upstream import Upstream, free_port

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk-bench"
AUTH = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
ANTHROPIC_AUTH = {"x-api-key": KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"}
QUESTION = "What is the capital of France? Answer in one sentence."
HOP_KEYS = 100  # keys of the provider that answers 429: each hops once, then cools down (1 s, 2 s, 4 s ...)


def chat_body(model: str, *, stream: bool = False) -> bytes:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": QUESTION}]}
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


def messages_body(model: str, *, stream: bool = False) -> bytes:
    body: dict[str, Any] = {"model": model, "max_tokens": 256, "messages": [{"role": "user", "content": QUESTION}]}
    if stream:
        body["stream"] = True
    return json.dumps(body).encode()


def a2a_body(method: str, model: str) -> bytes:
    message = {"role": "user", "messageId": "bench", "parts": [{"kind": "text", "text": QUESTION}]}
    params = {"message": message, "metadata": {"model": model}}
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()


def config_toml(upstream: str, *, hop_keys: int = 1, flaky_keys: int = 1) -> str:
    def provider(name: str, path: str, keys: int) -> str:
        listed = ", ".join(f'"{name}-{n}"' for n in range(keys))
        return (
            f'[[providers]]\nid = "{name}"\nformat = "openai"\nbase_url = "{upstream}/{path}/v1"\n'
            f'api_keys = [{listed}]\nmodels = ["m"]\n'
        )

    return "\n".join(
        [
            f'[server]\napi_keys = ["{KEY}"]\n',
            '[routing]\naccount_strategy = "round-robin"\n',
            provider("fast", "json", 1),
            provider("sse", "sse", 1),
            provider("limited", "r429", hop_keys),
            provider("flaky", "flaky", flaky_keys),
            '[[combos]]\nname = "hop"\nmodels = ["limited/m", "fast/m"]\nretries_per_target = 0\n',
            '[[combos]]\nname = "mixed"\nmodels = ["flaky/m", "fast/m"]\nretries_per_target = 0\n',
        ]
    )


@dataclass
class Row:
    scenario: str
    label: str
    mode: str  # direct | gateway
    concurrency: int
    result: load.Result
    cpu_ms_per_request: float | None = None
    added_p50_ms: float | None = None
    of_passthrough: float | None = None  # translation rps / pass-through rps at the same concurrency

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "result"}
        return {**out, **self.result.as_dict()}


@dataclass
class Bench:
    args: argparse.Namespace
    upstream: Upstream
    rows: list[Row] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def gateway_cpus(self) -> str | None:
        return None if self.args.no_pin else self.args.gateway_cpus

    @property
    def load_cpu(self) -> int | None:
        return None if self.args.no_pin else int(self.args.load_cpus)

    def wrk(self, url: str, connections: int, seconds: float | None = None, **kw: Any) -> load.Result:
        return load.run(url, connections=connections, seconds=seconds or self.args.seconds, cpu=self.load_cpu, **kw)

    def measure(
        self,
        scenario: str,
        label: str,
        pid: int,
        url: str,
        body: bytes,
        headers: dict[str, str],
        levels: list[int],
        direct: dict[int, Row] | None,
        mode: str = "gateway",
    ) -> dict[int, Row]:
        """Rows of the server `pid` at each concurrency (CPU per request from /proc), each against its
        direct row."""
        rows: dict[int, Row] = {}
        for c in levels:
            before = proc.cpu_seconds(pid)
            result = self.wrk(url, c, body=body, headers=headers)
            cpu = proc.cpu_seconds(pid) - before
            row = Row(scenario, label, mode, c, result, round(cpu * 1000 / max(1, result.requests), 4))
            if direct and c in direct:
                row.added_p50_ms = round(result.p50_ms - direct[c].result.p50_ms, 3)
            _check(row)
            self.rows.append(row)
            rows[c] = row
            print(_line(row), file=sys.stderr, flush=True)
        return rows

    def direct(self, scenario: str, label: str, path: str, levels: list[int]) -> dict[int, Row]:
        rows: dict[int, Row] = {}
        for c in levels:
            result = self.wrk(
                self.upstream.base + path, c, body=chat_body("m"), headers={"content-type": "application/json"}
            )
            row = Row(scenario, label, "direct", c, result)
            _check(row)
            self.rows.append(row)
            rows[c] = row
            print(_line(row), file=sys.stderr, flush=True)
        return rows


def _check(row: Row) -> None:
    failed = {k: v for k, v in row.result.errors.items() if v}
    if failed:
        raise SystemExit(f"{row.scenario} {row.mode} c{row.concurrency}: wrk saw errors {failed}")


def _line(row: Row) -> str:
    r = row.result
    extra = f", +{row.added_p50_ms:.3f} ms p50" if row.added_p50_ms is not None else ""
    cpu = f", {row.cpu_ms_per_request:.3f} ms CPU/req" if row.cpu_ms_per_request is not None else ""
    head = f"  {row.scenario} {row.label} {row.mode} c{row.concurrency}"
    return f"{head}: {r.rps:,.0f} req/s, p50 {r.p50_ms:.3f} ms{extra}{cpu}"


@dataclass
class Running:
    pid: int
    base: str
    usage: list[tuple[str, int, float, list[dict[str, Any]]]] = field(default_factory=list)  # after the stop


@contextlib.contextmanager
def gateway(bench: Bench, name: str, config: str) -> Iterator[Running]:
    """A gateway for the block; once it stopped cleanly (SIGTERM: usage flushed), its usage rows."""
    with tempfile.TemporaryDirectory(prefix=f"omniroute-bench-{name}-") as tmp:
        path = Path(tmp) / "omniroute.toml"
        path.write_text(config)
        data = Path(tmp) / "data"
        process, base = start_gateway(data, path, cpus=bench.gateway_cpus, workers=bench.args.workers)
        running = Running(process.pid, base)
        try:
            yield running
        finally:
            code = stop_gateway(process)
            if code != 0:
                print(f"gateway ({name}) exited {code}", file=sys.stderr)
            running.usage = usage_rows(data)


def usage_rows(data: Path) -> list[tuple[str, int, float, list[dict[str, Any]]]]:
    """(model, status, the gateway's own latency ms, attempts) of every usage row."""
    with contextlib.closing(sqlite3.connect(data / "omniroute.db")) as db:
        rows = db.execute("SELECT model, status, latency_ms, attempts FROM usage")
        return [(m, s, ms, json.loads(a)) for m, s, ms, a in rows]


def host_port(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def ttfb(bench: Bench, scenario: str, base: str, path: str, body: bytes, headers: dict[str, str]) -> dict[str, float]:
    host, port = host_port(base)
    first, total = probe.timings(host, port, path, body, headers, bench.args.probe_requests)
    return {
        "scenario": scenario,
        "requests": len(first),
        **{f"ttfb_{k}": v for k, v in pct(first).items()},
        **{f"total_{k}": v for k, v in pct(total).items()},
    }


def pct(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 4)  # noqa: E731
    return {"p50_ms": pick(50), "p95_ms": pick(95), "p99_ms": pick(99)}


def main_scenarios(bench: Bench) -> None:
    levels = bench.args.levels
    up = bench.upstream.base
    with gateway(bench, "main", config_toml(up)) as gw:
        pid, base = gw.pid, gw.base
        time.sleep(1.0)
        bench.report["idle_rss_mb_at_start"] = proc.rss_mb(pid)
        bench.report["idle_rss_mb_by_process"] = proc.rss_by_process_mb(pid)
        host, port = host_port(base)
        for path, body, headers in (
            ("/v1/chat/completions", chat_body("fast/m"), AUTH),
            ("/v1/chat/completions", chat_body("sse/m", stream=True), AUTH),
            ("/v1/messages", messages_body("fast/m"), ANTHROPIC_AUTH),
            ("/v1/messages", messages_body("sse/m", stream=True), ANTHROPIC_AUTH),
        ):
            probe.timings(host, port, path, body, headers, count=0, warmup=300)
        time.sleep(1.0)
        bench.report["idle_rss_mb_after_warmup"] = proc.rss_mb(pid)

        print("a: non-streaming pass-through", file=sys.stderr)
        d_json = bench.direct("a", "chat non-stream", "/json/v1/chat/completions", levels)
        pass_json = bench.measure(
            "a", "chat non-stream", pid, base + "/v1/chat/completions", chat_body("fast/m"), AUTH, levels, d_json
        )
        print("b: streaming pass-through", file=sys.stderr)
        d_sse = bench.direct("b", "chat stream", "/sse/v1/chat/completions", levels)
        pass_sse = bench.measure(
            "b", "chat stream", pid, base + "/v1/chat/completions", chat_body("sse/m", stream=True), AUTH, levels, d_sse
        )
        python_floor(bench, d_json, d_sse)
        print("c: translation, Anthropic client to OpenAI upstream", file=sys.stderr)
        tr_json = bench.measure(
            "c",
            "messages non-stream",
            pid,
            base + "/v1/messages",
            messages_body("fast/m"),
            ANTHROPIC_AUTH,
            levels,
            d_json,
        )
        tr_sse = bench.measure(
            "c",
            "messages stream",
            pid,
            base + "/v1/messages",
            messages_body("sse/m", stream=True),
            ANTHROPIC_AUTH,
            levels,
            d_sse,
        )
        for translated, passthrough in ((tr_json, pass_json), (tr_sse, pass_sse)):
            for c, row in translated.items():
                row.of_passthrough = round(row.result.rps / passthrough[c].result.rps, 3)

        print("b/c: time to first byte at concurrency 1", file=sys.stderr)
        bench.report["ttfb"] = [
            {
                "mode": "direct",
                **ttfb(
                    bench,
                    "chat stream",
                    up,
                    "/sse/v1/chat/completions",
                    chat_body("m", stream=True),
                    {"content-type": "application/json"},
                ),
            },
            {
                "mode": "gateway",
                **ttfb(bench, "chat stream", base, "/v1/chat/completions", chat_body("sse/m", stream=True), AUTH),
            },
            {
                "mode": "gateway",
                **ttfb(
                    bench, "messages stream", base, "/v1/messages", messages_body("sse/m", stream=True), ANTHROPIC_AUTH
                ),
            },
        ]
        floor = bench.report["ttfb"][0]["ttfb_p50_ms"]
        for entry in bench.report["ttfb"][1:]:
            entry["added_ttfb_p50_ms"] = round(entry["ttfb_p50_ms"] - floor, 4)

        print("f: A2A", file=sys.stderr)
        a2a_levels = [c for c in (1, 16) if c in levels] or levels[:1]
        bench.measure(
            "f", "a2a message/send", pid, base + "/a2a", a2a_body("message/send", "fast/m"), AUTH, a2a_levels, d_json
        )
        bench.measure(
            "f", "a2a message/stream", pid, base + "/a2a", a2a_body("message/stream", "sse/m"), AUTH, a2a_levels, d_sse
        )
        bench.report["a2a_check"] = a2a_check(base)
        bench.report["peak_rss_mb"] = proc.peak_rss_mb(pid)
        bench.report["rss_mb_with_mcp_loaded"] = rss_with_mcp(base, pid)


def python_floor(bench: Bench, d_json: dict[int, Row], d_sse: dict[int, Row]) -> None:
    """The same loads through bench/minimal_proxy.py (Starlette and one aiohttp session, bytes in
    and out), on the gateway's CPU: what any Python proxy pays."""
    print("a/b: the Python floor (bench/minimal_proxy.py)", file=sys.stderr)
    port = free_port()
    pin = ["taskset", "-c", bench.gateway_cpus] if bench.gateway_cpus and shutil.which("taskset") else []
    command = [*pin, sys.executable, str(ROOT / "bench" / "minimal_proxy.py"), bench.upstream.base, str(port)]
    floor = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        deadline = time.monotonic() + 20
        while True:
            try:
                probe.timings("127.0.0.1", port, "/v1/chat/completions", chat_body("m"), {}, count=0, warmup=100)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        levels = bench.args.levels
        bench.measure("a", "chat non-stream", floor.pid, url, chat_body("m"), {}, levels, d_json, mode="python floor")
        stream = chat_body("m", stream=True)
        bench.measure("b", "chat stream", floor.pid, url, stream, {}, levels, d_sse, mode="python floor")
    finally:
        floor.terminate()
        floor.wait(10)


def rss_with_mcp(base: str, pid: int) -> float:
    """MCP over HTTP is built by its first request (server/mcp_mount.py): the RSS once it is."""
    import httpx

    httpx.get(base + "/api/mcp/status", headers=AUTH, timeout=30).raise_for_status()
    time.sleep(0.5)
    return proc.rss_mb(pid)


def a2a_check(base: str) -> dict[str, Any]:
    """wrk counts HTTP 200s; a JSON-RPC error is a 200 too, so one answer of each is read here."""
    import httpx

    out: dict[str, Any] = {}
    with httpx.Client(headers=AUTH, timeout=30) as client:
        sent = client.post(base + "/a2a", content=a2a_body("message/send", "fast/m")).json()
        out["message/send"] = sent.get("result", {}).get("status", {}).get("state") or sent.get("error")
        streamed = client.post(base + "/a2a", content=a2a_body("message/stream", "sse/m")).text
        last = [ln for ln in streamed.splitlines() if ln.startswith("data:")][-1]
        final = json.loads(last.removeprefix("data:"))
        out["message/stream"] = final.get("result", {}).get("status", {}).get("state") or final.get("error")
    for method, state in out.items():
        if state != "completed":
            raise SystemExit(f"A2A {method} did not complete: {state}")
    return out


def hop_scenario(bench: Bench) -> None:
    """A combo whose first target answers 429. A key that answered 429 cools down and is then
    skipped at no cost, so only some `hop` requests make the hop: the gateway's own latency of
    those (from their usage rows) against the `hop` requests that went straight to the second
    target is the cost of one hop. The wrk rows show the combo's overall throughput."""
    keys = HOP_KEYS
    print(f"d: one fallback hop ({keys} keys on the 429 provider)", file=sys.stderr)
    with gateway(bench, "hop", config_toml(bench.upstream.base, hop_keys=keys)) as gw:
        host, port = host_port(gw.base)
        probe.timings(host, port, "/v1/chat/completions", chat_body("fast/m"), AUTH, count=0, warmup=200)
        chat = gw.base + "/v1/chat/completions"
        straight = bench.measure("d", "no combo (fast/m)", gw.pid, chat, chat_body("fast/m"), AUTH, [1], None)
        for c, row in bench.measure("d", "combo hop", gw.pid, chat, chat_body("hop"), AUTH, [1], None).items():
            row.added_p50_ms = round(row.result.p50_ms - straight[c].result.p50_ms, 3)
    rows = [(ms, [a.get("status") for a in attempts]) for m, s, ms, attempts in gw.usage if m == "hop" and s == 200]
    hopped = [ms for ms, statuses in rows if statuses.count(429) == 1]
    direct = [ms for ms, statuses in rows if 429 not in statuses]  # the 429 provider was skipped, cooling
    bench.report["hop"] = {
        "requests": len(rows),
        "with_one_429_hop": len(hopped),
        "straight_to_second_target": len(direct),
        "limited_keys": keys,
        "hop_p50_ms": pct(hopped)["p50_ms"] if hopped else None,
        "straight_p50_ms": pct(direct)["p50_ms"] if direct else None,
        "added_by_hop_p50_ms": round(pct(hopped)["p50_ms"] - pct(direct)["p50_ms"], 4) if hopped and direct else None,
    }


def mixed_scenario(bench: Bench) -> None:
    seconds = bench.args.mixed_seconds
    print(f"mixed: 10% malformed, 10% upstream 500 behind a fallback, {seconds:.0f} s", file=sys.stderr)
    kinds = [
        load.Kind("bad", 10, "/v1/chat/completions", b'{"model": "mixed", "messages": [{"role": "user", "con'),
        load.Kind("good", 90, "/v1/chat/completions", chat_body("mixed")),
    ]
    samples: list[tuple[float, float]] = []
    with gateway(bench, "mixed", config_toml(bench.upstream.base, flaky_keys=8)) as gw:
        stop = threading.Event()

        def sample() -> None:
            started = time.monotonic()
            while not stop.wait(1.0):
                samples.append((round(time.monotonic() - started, 1), proc.rss_mb(gw.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        before = proc.cpu_seconds(gw.pid)
        sampler.start()
        result = bench.wrk(gw.base + "/", 16, seconds=seconds, kinds=kinds, headers=AUTH)
        stop.set()
        sampler.join()
        cpu = proc.cpu_seconds(gw.pid) - before
    rows = gw.usage
    upstream_500 = sum(1 for *_, attempts in rows for attempt in attempts if attempt.get("status") == 500)
    tail = [mb for t, mb in samples if t > seconds / 3]
    sent_bad, sent_good = result.extra.get("sent_bad", 0), result.extra.get("sent_good", 0)
    bench.report["mixed"] = {
        "seconds": seconds,
        "requests": result.requests,
        "rps": result.rps,
        "p50_ms": result.p50_ms,
        "p99_ms": result.p99_ms,
        "sent_good": sent_good,
        "sent_bad": sent_bad,
        "answered_200": result.extra.get("ok", 0),
        "answered_4xx": result.extra.get("bad", 0),
        "answered_other": result.extra.get("other", 0),
        "upstream_500s_met": upstream_500,
        "usage_rows": len(rows),
        "usage_rows_200": sum(1 for _, s, *_ in rows if s == 200),
        "cpu_ms_per_request": round(cpu * 1000 / max(1, result.requests), 4),
        "rss_mb_first": samples[0][1] if samples else None,
        "rss_mb_min_after_first_third": min(tail) if tail else None,
        "rss_mb_max_after_first_third": max(tail) if tail else None,
        "rss_mb_last": samples[-1][1] if samples else None,
        "rss_samples": samples,
    }


def mcp_scenario(bench: Bench) -> None:
    print("e: MCP over stdio", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="omniroute-bench-mcp-") as tmp:
        mcp_cold_start(Path(tmp) / "warmup")  # .pyc files compiled once, not counted
        runs = [mcp_cold_start(Path(tmp) / f"run{n}") for n in range(bench.args.mcp_runs)]
    cold = sorted(ready * 1000 for ready, _ in runs)
    first_call = sorted(called * 1000 for _, called in runs)
    from mcp_call import route_request_timings

    chat = route_request_timings(bench.upstream.base + "/json/v1", bench.args.probe_requests // 5)
    bench.report["mcp"] = {
        "cold_start_runs": len(cold),
        "cold_start_ms_median": round(statistics.median(cold), 1),
        "cold_start_ms_min": round(cold[0], 1),
        "cold_start_ms_max": round(cold[-1], 1),
        "first_tool_call_ms_median": round(statistics.median(first_call), 1),
        **chat,
    }


def targets(bench: Bench) -> list[dict[str, Any]]:
    def row(scenario: str, label: str, c: int) -> Row | None:
        return next(
            (r for r in bench.rows if (r.scenario, r.label, r.mode, r.concurrency) == (scenario, label, "gateway", c)),
            None,
        )

    out: list[dict[str, Any]] = []

    def target(name: str, required: str, value: float | None, met: bool | None, unit: str) -> None:
        out.append({"target": name, "required": required, "measured": value, "unit": unit, "met": met})

    workers = bench.args.workers
    if r := row("a", "chat non-stream", 64):
        per_cpu = r.result.rps / workers
        target("non-streaming pass-through c64", ">= 3000 req/s per vCPU", round(per_cpu), per_cpu >= 3000, "req/s")
    if r := row("a", "chat non-stream", 1):
        target("added p50 non-streaming c1", "<= 0.6 ms", r.added_p50_ms, (r.added_p50_ms or 0) <= 0.6, "ms")
    if ttfb_rows := bench.report.get("ttfb"):
        added = ttfb_rows[1]["added_ttfb_p50_ms"]
        target("added p50 to first byte, streaming c1", "<= 1 ms", added, added <= 1.0, "ms")
    if r := row("b", "chat stream", 16):
        per_cpu = r.result.rps / workers
        target("streaming pass-through c16", ">= 2000 streams/s per vCPU", round(per_cpu), per_cpu >= 2000, "streams/s")
    for label in ("messages non-stream", "messages stream"):
        ratios = [r.of_passthrough for r in bench.rows if r.label == label and r.of_passthrough is not None]
        if ratios:
            target(
                f"translation ({label}) vs pass-through",
                ">= 50 %",
                round(min(ratios) * 100, 1),
                min(ratios) >= 0.5,
                "% (worst level)",
            )
    if "idle_rss_mb_by_process" in bench.report:
        worst = max(bench.report["idle_rss_mb_by_process"].values())
        target("idle RSS per worker", "<= 80 MB", worst, worst <= 80, "MB")
    if mcp := bench.report.get("mcp"):
        ms = mcp["cold_start_ms_median"]
        target("omniroute --mcp ready (initialize answered)", "<= 400 ms", ms, ms <= 400, "ms (median)")
    if mixed := bench.report.get("mixed"):
        ok = (
            mixed["answered_other"] == 0
            and mixed["answered_4xx"] >= 1
            and mixed["usage_rows_200"] >= mixed["answered_200"]
        )
        target(
            "mixed load: good all 200, bad all 4xx, usage complete",
            "no 5xx, rows >= answers",
            mixed["answered_other"],
            ok,
            "non-2xx/4xx answers",
        )
    return out


def markdown(bench: Bench, results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# omniroute benchmark, {results['when']}",
        "",
        f"{m['cpu']}, {m['cores']} cores; Python {m['python']}; upstream {m['upstream']}; load wrk "
        f"({m['wrk']}); gateway on CPU {m['gateway_cpus']} with {results['settings']['workers']} worker(s), "
        f"upstream and wrk on CPU {m['load_cpus']}; {results['settings']['seconds']} s per level.",
        "",
        "| scenario | mode | c | req/s | p50 ms | p95 ms | p99 ms | added p50 ms | CPU ms/req | of pass-through |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in bench.rows:
        res = r.result
        lines.append(
            f"| {r.scenario} {r.label} | {r.mode} | {r.concurrency} | {res.rps:,.0f} | {res.p50_ms:.3f} | "
            f"{res.p95_ms:.3f} | {res.p99_ms:.3f} | {_fmt(r.added_p50_ms)} | {_fmt(r.cpu_ms_per_request)} | "
            f"{'' if r.of_passthrough is None else f'{r.of_passthrough * 100:.0f} %'} |"
        )
    if t := results.get("ttfb"):
        lines += [
            "",
            "Streams at concurrency 1 (raw-socket probe):",
            "",
            "| stream | mode | first byte p50 / p95 / p99 ms | whole stream p50 ms | added first byte p50 ms |",
            "|---|---|---|---:|---:|",
        ]
        for e in t:
            lines.append(
                f"| {e['scenario']} | {e['mode']} | {e['ttfb_p50_ms']:.3f} / {e['ttfb_p95_ms']:.3f} / "
                f"{e['ttfb_p99_ms']:.3f} | {e['total_p50_ms']:.3f} | {_fmt(e.get('added_ttfb_p50_ms'))} |"
            )
    if h := results.get("hop"):
        lines += [
            "",
            f"Fallback hop (d): {h['with_one_429_hop']} of {h['requests']} `hop` requests met the 429 and then "
            f"answered 200; the others found the 429 provider's {h['limited_keys']} keys cooling and went straight "
            f"on. Gateway's own latency p50: {h['hop_p50_ms']} ms with the hop, {h['straight_p50_ms']} ms without: "
            f"one hop adds {h['added_by_hop_p50_ms']} ms.",
        ]
    if mcp := results.get("mcp"):
        lines += [
            "",
            f"MCP over stdio: cold start to the initialize answer, median {mcp['cold_start_ms_median']} ms "
            f"(min {mcp['cold_start_ms_min']}, max {mcp['cold_start_ms_max']}, {mcp['cold_start_runs']} runs), "
            f"a tool call sent right after it answered at {mcp['first_tool_call_ms_median']} ms; "
            f"omniroute_route_request p50 {mcp['route_request_p50_ms']} ms, p99 {mcp['route_request_p99_ms']} ms, "
            f"{mcp['added_p50_ms']} ms over the upstream called directly.",
        ]
    if mx := results.get("mixed"):
        lines += [
            "",
            f"Mixed load ({mx['seconds']:.0f} s, c16): {mx['requests']:,} requests at {mx['rps']:,.0f} req/s; sent "
            f"{mx['sent_good']:,} good and {mx['sent_bad']:,} malformed; answered {mx['answered_200']:,} x 200, "
            f"{mx['answered_4xx']:,} x 4xx, {mx['answered_other']} other; {mx['upstream_500s_met']:,} upstream 500s "
            f"met and fallen back from; usage rows {mx['usage_rows']:,} ({mx['usage_rows_200']:,} with 200). RSS "
            f"{mx['rss_mb_first']} MB after 1 s, {mx['rss_mb_min_after_first_third']}-"
            f"{mx['rss_mb_max_after_first_third']} MB from a third of the run on, {mx['rss_mb_last']} MB at the end.",
        ]
    if "idle_rss_mb_at_start" in results:
        lines += [
            "",
            f"Gateway RSS: {results.get('idle_rss_mb_at_start')} MB idle at start, "
            f"{results.get('idle_rss_mb_after_warmup')} MB idle after warm-up, {results.get('peak_rss_mb')} MB peak; "
            f"{results.get('rss_mb_with_mcp_loaded')} MB once MCP over HTTP is loaded (by its first request).",
        ]
    lines += [
        "",
        "| target | required | measured | met |",
        "|---|---|---|---|",
    ]
    for t in results["targets"]:
        lines.append(
            f"| {t['target']} | {t['required']} | {t['measured']} {t['unit']} | {'yes' if t['met'] else 'NO'} |"
        )
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def machine(bench: Bench) -> dict[str, Any]:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "upstream": bench.upstream.kind,
        "wrk": wrk.split(" [")[0],
        "gateway_cpus": bench.gateway_cpus or "any",
        "load_cpus": bench.load_cpu if bench.load_cpu is not None else "any",
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10, help="wrk run per level (default 10)")
    parser.add_argument("--mixed-seconds", type=float, default=60, help="the mixed bad-input run (default 60)")
    parser.add_argument("--levels", type=lambda s: [int(x) for x in s.split(",")], default=[1, 16, 64])
    parser.add_argument("--probe-requests", type=int, default=2000, help="sequential requests of the TTFB probe")
    parser.add_argument("--mcp-runs", type=int, default=10, help="MCP cold starts to time")
    parser.add_argument("--workers", type=int, default=1, help="gateway worker processes (one per core)")
    parser.add_argument("--gateway-cpus", default="0", help="taskset CPU list for the gateway (default 0)")
    parser.add_argument("--load-cpus", default="1", help="CPU for nginx and wrk (default 1)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin processes to CPUs")
    parser.add_argument("--only", default="a,b,c,d,e,f,mixed", help="scenarios to run (a-c and f run together)")
    parser.add_argument("--quick", action="store_true", help="2 s per level, 10 s mixed, fewer probes")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.mixed_seconds, args.probe_requests, args.mcp_runs = 2, 10, 400, 3
    if (os.cpu_count() or 1) < 2:
        args.no_pin = True
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not load.have_wrk():
        print("bench: wrk is not installed; bash bench/run.sh installs it (apt-get install wrk)", file=sys.stderr)
        return 2
    only = set(args.only.split(","))
    upstream = Upstream(None if args.no_pin else int(args.load_cpus))
    upstream.start()
    bench = Bench(args, upstream)
    started = datetime.datetime.now(datetime.UTC)
    try:
        if only & {"a", "b", "c", "f"}:
            main_scenarios(bench)
        if "d" in only:
            hop_scenario(bench)
        if "e" in only:
            mcp_scenario(bench)
        if "mixed" in only:
            mixed_scenario(bench)
    finally:
        upstream.stop()
    results: dict[str, Any] = {
        "when": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(bench),
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "rows": [r.as_dict() for r in bench.rows],
        **bench.report,
    }
    results["targets"] = targets(bench)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    text = markdown(bench, results)
    for name in (stamp, "latest"):
        (args.out / f"{name}.md").write_text(text)
        (args.out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    print(text)
    print(f"written: {args.out / stamp}.md and .json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
