"""core/usage.py: UsageRecorder against a real SqliteStore: nothing accepted is lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest

from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.store.base import UsageRow
from omniroute_agent.store.crypto import Cipher
from omniroute_agent.store.sqlite import DB_FILE, SqliteStore

pytestmark = pytest.mark.anyio


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / DB_FILE, Cipher(bytes(32)))
    await s.open()
    yield s
    await s.close()


def row(n: int) -> UsageRow:
    return UsageRow(f"req-{n}", 1700000000.0 + n, "v1", "stack", "fake/m", "fake-1", 200, n, 2 * n, 1.0)


@pytest.mark.parametrize(
    ("total", "max_queue"),
    [
        pytest.param(1000, 10_000, id="1000-roomy-queue"),
        pytest.param(1000, 7, id="1000-back-pressure"),
        pytest.param(1, 10_000, id="one"),
        pytest.param(0, 10_000, id="none"),
    ],
)
async def test_stop_stores_everything_recorded(store: SqliteStore, total: int, max_queue: int) -> None:
    recorder = UsageRecorder(store, max_queue=max_queue)
    recorder.start()
    for n in range(total):
        await recorder.record(row(n))
    with anyio.fail_after(5):
        await recorder.stop()
    stored = await store.list_usage(limit=total + 10)
    assert len(stored) == total
    assert sorted(r.request_id for r in stored) == sorted(f"req-{n}" for n in range(total))
    if total:
        assert stored[0] == row(total - 1)  # newest first, every field kept


async def test_flush_waits_for_queued_rows(store: SqliteStore) -> None:
    recorder = UsageRecorder(store)
    recorder.start()
    try:
        for batch in (range(300), range(300, 310)):
            for n in batch:
                await recorder.record(row(n))
            with anyio.fail_after(5):
                await recorder.flush()
            assert len(await store.list_usage(limit=1000)) == batch.stop
    finally:
        await recorder.stop()


async def test_flush_with_nothing_recorded_returns(store: SqliteStore) -> None:
    recorder = UsageRecorder(store)
    recorder.start()
    with anyio.fail_after(1):
        await recorder.flush()
    await recorder.stop()


async def test_stop_without_start_is_harmless(store: SqliteStore) -> None:
    await UsageRecorder(store).stop()


async def test_store_failure_is_logged_not_raised(store: SqliteStore, caplog: pytest.LogCaptureFixture) -> None:
    await store.close()  # every write now fails
    recorder = UsageRecorder(store)
    recorder.start()
    await recorder.record(row(1))
    with anyio.fail_after(5):
        await recorder.stop()
    assert "could not store 1 usage records" in caplog.text
    await store.open()
