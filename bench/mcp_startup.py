"""Cold start of `omniroute --mcp`: process spawn to the `initialize` answer on stdout, and to the
answer of a first tool call (omniroute_get_health) sent right after it, which waits for the runtime.

    .venv/bin/python bench/mcp_startup.py [--runs 10] [--warm]

Each run uses a fresh data dir (so it includes creating the key file and the database) unless
--warm is given. It speaks raw JSON-RPC over the pipes, so no client import is counted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "bench", "version": "0"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}
FIRST_CALL = {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "omniroute_get_health"}}


def command() -> list[str]:
    script = Path(sys.executable).with_name("omniroute")
    return [str(script)] if script.exists() else [sys.executable, "-m", "omniroute_agent"]


def one_run(data_dir: Path) -> tuple[float, float]:
    """Seconds from spawn to the `initialize` answer, and to the first tool call's answer."""
    # Without PYTHONDONTWRITEBYTECODE, so the warm-up run leaves .pyc files, as a user's first run does.
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*command(), "--mcp", "--data-dir", str(data_dir), "--log-level", "warning"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(json.dumps(INITIALIZE).encode() + b"\n")
    proc.stdin.flush()
    line = proc.stdout.readline()
    to_initialize = time.perf_counter() - started
    reply = json.loads(line)
    if reply.get("id") != 1 or "result" not in reply:
        raise RuntimeError(f"unexpected reply: {line!r}")
    proc.stdin.write(json.dumps(INITIALIZED).encode() + b"\n" + json.dumps(FIRST_CALL).encode() + b"\n")
    proc.stdin.flush()
    while reply.get("id") != 2:  # past any notification the server sends first
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the server closed stdout before answering the tool call")
        reply = json.loads(line)
    to_first_call = time.perf_counter() - started
    if reply.get("result", {}).get("isError", True):
        raise RuntimeError(f"the tool call failed: {line!r}")
    proc.stdin.close()
    proc.wait(10)
    proc.stdout.close()
    return to_initialize, to_first_call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warm", action="store_true", help="reuse one data dir (store and key already exist)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="omniroute-bench-"))
    try:
        one_run(base / "warmup")  # compile .pyc files once; not counted
        times = [one_run(base / ("warm" if args.warm else f"run{n}")) for n in range(args.runs)]
    finally:
        shutil.rmtree(base, ignore_errors=True)
    kind = "warm" if args.warm else "cold"
    print(f"omniroute --mcp to initialize reply over {args.runs} runs ({kind} data dir):")
    print(summary([t for t, _ in times]))
    print("to the answer of a first tool call sent right after it:")
    print(summary([t for _, t in times]))
    return 0


def summary(seconds: list[float]) -> str:
    ms = sorted(t * 1000 for t in seconds)
    return f"  min {ms[0]:.0f} ms, median {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms"


if __name__ == "__main__":
    raise SystemExit(main())
