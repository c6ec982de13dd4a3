"""The cost of an MCP tool call over stdio, and the size of tools/list.

    .venv/bin/python bench/mcp_call.py [--calls 200]

Spawns `omniroute --mcp` against the instant loopback upstream of bench/upstream.py and speaks raw
JSON-RPC over its pipes, so no client library is measured. Reports the tools/list answer size,
the round trip of a cheap tool (`omniroute_get_health`) and of a chat (`omniroute_route_request`),
and what the chat adds over calling the upstream directly.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gateway import command
from upstream import Upstream


class StdioPeer:
    def __init__(self, args: list[str]) -> None:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        self.next_id = 0

    def request(self, method: str, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.next_id += 1
        self.proc.stdin.write(
            json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}).encode() + b"\n"
        )
        self.proc.stdin.flush()
        while True:
            line = self.proc.stdout.readline()
            message = json.loads(line)
            if message.get("id") == self.next_id:
                return message, len(line)

    def notify(self, method: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": method}).encode() + b"\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


def timed(call: Any, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def route_request_timings(upstream_v1: str, calls: int) -> dict[str, float]:
    """p50/p99 of `omniroute_route_request` over stdio against the upstream at `upstream_v1`, and
    of the same chat sent to the upstream directly; also the tools/list size."""
    with tempfile.TemporaryDirectory(prefix="omniroute-bench-") as tmp:
        config = Path(tmp) / "omniroute.toml"
        config.write_text(
            f'[server]\ndefault_model = "up/m"\n\n[[providers]]\nid = "up"\nformat = "openai"\n'
            f'base_url = "{upstream_v1}"\napi_keys = ["u1"]\nmodels = ["m"]\n'
        )
        peer = StdioPeer(
            [
                *command(),
                "--mcp",
                "--data-dir",
                str(Path(tmp) / "data"),
                "--config",
                str(config),
                "--log-level",
                "warning",
            ]
        )
        peer.request(
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}},
        )
        peer.notify("notifications/initialized")
        listed, size = peer.request("tools/list", {})
        health = {"name": "omniroute_get_health", "arguments": {}}
        chat = {"name": "omniroute_route_request", "arguments": {"messages": [{"role": "user", "content": "hi"}]}}
        for _ in range(20):  # warm-up
            peer.request("tools/call", health)
            answer, _ = peer.request("tools/call", chat)
        if answer["result"].get("isError"):
            raise RuntimeError(f"omniroute_route_request failed: {answer['result']}")
        health_ms = timed(lambda: peer.request("tools/call", health), calls)
        chat_ms = timed(lambda: peer.request("tools/call", chat), calls)
        peer.close()
    with httpx.Client() as direct_client:
        url = f"{upstream_v1}/chat/completions"
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        for _ in range(20):
            direct_client.post(url, json=body)
        direct_ms = timed(lambda: direct_client.post(url, json=body), calls)
    return {
        "tools": len(listed["result"]["tools"]),
        "tools_list_bytes": size,
        "health_p50_ms": _q(health_ms, 50),
        "route_request_p50_ms": _q(chat_ms, 50),
        "route_request_p99_ms": _q(chat_ms, 99),
        "direct_p50_ms": _q(direct_ms, 50),
        "added_p50_ms": round(_q(chat_ms, 50) - _q(direct_ms, 50), 3),
    }


def _q(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))], 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    upstream = Upstream(cpu=None)
    upstream.start()
    try:
        got = route_request_timings(upstream.base + "/json/v1", args.calls)
    finally:
        upstream.stop()
    print(f"tools/list: {got['tools']} tools, {got['tools_list_bytes']:,} bytes of JSON-RPC answer")
    print("| call over stdio | p50 ms |\n|---|---|")
    print(f"| omniroute_get_health | {got['health_p50_ms']:.2f} |")
    print(f"| omniroute_route_request | {got['route_request_p50_ms']:.2f} |")
    print(f"| the upstream directly (httpx, for reference) | {got['direct_p50_ms']:.2f} |")
    print(f"added by a chat tool call over stdio (vs the upstream directly): p50 {got['added_p50_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
