"""The stdio server's heartbeat file in the data dir (`mcp-stdio-<pid>.json`): pid, started, last
beat, transport and tool count, rewritten every `[mcp] heartbeat_s`, removed on a clean exit.
`GET /api/mcp/status` reads these files to show which stdio servers are alive."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

from omniroute_agent.tools.view import RuntimeView

PATTERN = "mcp-stdio-*.json"


def heartbeat_path(data_dir: Path, pid: int) -> Path:
    return data_dir / f"mcp-stdio-{pid}.json"


@contextlib.asynccontextmanager
async def heartbeat(runtime: RuntimeView, *, transport: str, tools: int) -> AsyncIterator[None]:
    path = heartbeat_path(runtime.settings.data_dir, os.getpid())
    started = time.time()
    every = runtime.settings.file.mcp.heartbeat_s

    def beat() -> None:
        record = {
            "pid": os.getpid(),
            "started": started,
            "last_beat": time.time(),
            "transport": transport,
            "tools": tools,
            "interval_s": every,
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        tmp.replace(path)

    async def loop() -> None:
        while True:
            await asyncio.sleep(every)
            await asyncio.to_thread(beat)

    await asyncio.to_thread(beat)
    task = asyncio.create_task(loop(), name="mcp-heartbeat")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        path.unlink(missing_ok=True)
