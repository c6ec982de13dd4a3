"""Starting a real gateway for a benchmark: `omniroute --port 0` with a config, optionally pinned."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path


def command() -> list[str]:
    script = Path(sys.executable).with_name("omniroute")
    return [str(script)] if script.exists() else [sys.executable, "-m", "omniroute_agent"]


def start_gateway(
    data: Path,
    config_path: Path,
    *,
    cpus: str | None = None,
    workers: int = 1,
    log_level: str = "info",
) -> tuple[subprocess.Popen[str], str]:
    """The gateway process and its base URL, once it logged that it listens. `cpus` is a
    taskset list ("0", "0-1"); provider keys in the environment are left out."""
    pin = ["taskset", "-c", cpus] if cpus is not None and shutil.which("taskset") else []
    extra = ["--workers", str(workers)] if workers != 1 else []
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    proc = subprocess.Popen(
        [
            *pin,
            *command(),
            "--port",
            "0",
            "--data-dir",
            str(data),
            "--config",
            str(config_path),
            "--log-level",
            log_level,
            *extra,
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stderr is not None
    seen: list[str] = []
    for line in proc.stderr:
        seen.append(line)
        if m := re.search(r"listening on (http://\S+)", line):
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # type: ignore[union-attr]
            return proc, m.group(1)
    raise RuntimeError("gateway did not start:\n" + "".join(seen[-20:]))


def stop_gateway(proc: subprocess.Popen[str]) -> int:
    """SIGTERM (a clean stop: queued usage rows are flushed), then wait."""
    proc.terminate()
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(10)
