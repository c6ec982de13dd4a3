"""Cold start of `omniroute --mcp`: process spawn to the `initialize` answer on stdout.

    .venv/bin/python bench/mcp_startup.py [--runs 10]

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


def command() -> list[str]:
    script = Path(sys.executable).with_name("omniroute")
    return [str(script)] if script.exists() else [sys.executable, "-m", "omniroute_agent"]


def one_run(data_dir: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
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
    elapsed = time.perf_counter() - started
    reply = json.loads(line)
    if reply.get("id") != 1 or "result" not in reply:
        raise RuntimeError(f"unexpected reply: {line!r}")
    proc.stdin.close()
    proc.wait(10)
    proc.stdout.close()
    return elapsed


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
    ms = sorted(t * 1000 for t in times)
    kind = "warm" if args.warm else "cold"
    print(f"omniroute --mcp to initialize reply over {args.runs} runs ({kind} data dir):")
    print(f"  min {ms[0]:.0f} ms, median {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
