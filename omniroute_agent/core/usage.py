"""Usage records leave the request path through a queue; one writer task stores them in batches.

`record()` waits only when the queue is full (back-pressure, never loss). `stop()` queues an end
mark and waits for the writer to store everything before it, so a clean shutdown keeps every
accepted record.
"""

from __future__ import annotations

import asyncio
import logging

from omniroute_agent.store.base import Store, UsageRow

log = logging.getLogger("omniroute.usage")

MAX_BATCH = 256


class UsageRecorder:
    def __init__(self, store: Store, *, max_queue: int = 10_000) -> None:
        self._store = store
        self._queue: asyncio.Queue[UsageRow | None] = asyncio.Queue(max_queue)
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    async def record(self, row: UsageRow) -> None:
        self._idle.clear()
        await self._queue.put(row)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="usage-writer")

    async def stop(self) -> None:
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None

    async def flush(self) -> None:
        """Waits until everything recorded so far is stored."""
        await self._idle.wait()

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            rows = [r for r in batch if r is not None]
            if rows:
                await self._write(rows)
            if self._queue.empty():
                self._idle.set()
            if None in batch:
                return

    async def _write(self, rows: list[UsageRow]) -> None:
        try:
            await self._store.add_usage(rows)
        except Exception:
            log.exception("could not store %d usage records", len(rows))
