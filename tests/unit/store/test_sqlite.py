"""store/sqlite.py: migrations, WAL, idempotent upserts, secrets sealed at rest, usage and task rows."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from omniroute_agent.store.base import ApiKeyRow, ComboRow, ConnectionRow, ProviderRow, TaskRow, UsageRow
from omniroute_agent.store.crypto import Cipher
from omniroute_agent.store.migrations import MIGRATIONS
from omniroute_agent.store.sqlite import DB_FILE, SqliteStore

pytestmark = pytest.mark.anyio

SECRET = "sk-proj-PLAINTEXT-canary-4f1d2c9a"


def cipher() -> Cipher:
    return Cipher(bytes(range(32)))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "data" / DB_FILE, cipher())
    await s.open()
    yield s
    await s.close()


def count(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def test_migrations_set_user_version_and_reopen_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    s = SqliteStore(path, cipher())
    await s.open()
    assert await s.schema_version() == len(MIGRATIONS)
    await s.upsert_provider(ProviderRow("p", "openai", "http://h/v1"))
    await s.close()

    again = SqliteStore(path, cipher())
    await again.open()  # would fail with "table already exists" if migrations ran twice
    assert await again.schema_version() == len(MIGRATIONS)
    assert [p.id for p in await again.list_providers()] == ["p"]
    assert await again.ping()
    await again.close()


async def test_wal_journal_mode(store: SqliteStore) -> None:
    async with store.db.execute("PRAGMA journal_mode") as cur:
        row = await cur.fetchone()
    assert row is not None
    assert row[0] == "wal"


async def test_closed_store_raises(tmp_path: Path) -> None:
    s = SqliteStore(tmp_path / DB_FILE, cipher())
    with pytest.raises(RuntimeError):
        await s.ping()


PROVIDER = ProviderRow("fake", "openai", "http://127.0.0.1:1/v1", ["m1", "m2"], ["fk"])
CONNECTION = ConnectionRow("fake-1", "fake", SECRET, "config key 1", True, 0)
COMBO = ComboRow("stack", "priority", ["fake/m1", "backup/m2"])
API_KEY = ApiKeyRow("key-1", "ab" * 32, "config key 1")

UPSERTS: list[tuple[str, str, Any, Any]] = [
    # (id, table, row, changed row with the same id)
    ("provider", "providers", PROVIDER, ProviderRow("fake", "anthropic", "http://other/v1", ["m3"], [])),
    ("connection", "connections", CONNECTION, ConnectionRow("fake-1", "fake", SECRET, "renamed", False, 5)),
    (
        "connection-new-secret",
        "connections",
        CONNECTION,
        ConnectionRow("fake-1", "fake", "sk-rotated-secret", "config key 1", True, 0),
    ),
    ("combo", "combos", COMBO, ComboRow("stack", "priority", ["backup/m2"])),
    ("api-key", "api_keys", API_KEY, ApiKeyRow("key-1", "cd" * 32, "renamed")),
]

LISTS = {
    "providers": "list_providers",
    "connections": "list_connections",
    "combos": "list_combos",
    "api_keys": "list_api_keys",
}
WRITES = {
    "providers": "upsert_provider",
    "connections": "upsert_connection",
    "combos": "upsert_combo",
    "api_keys": "upsert_api_key",
}


@pytest.mark.parametrize(("table", "row", "changed"), [pytest.param(*u[1:], id=u[0]) for u in UPSERTS])
async def test_upsert_is_idempotent_and_updates(store: SqliteStore, table: str, row: Any, changed: Any) -> None:
    write = getattr(store, WRITES[table])
    read = getattr(store, LISTS[table])
    if table == "connections":
        await store.upsert_provider(PROVIDER)
    await write(row)
    await write(row)
    assert await read() == [row]
    assert count(store.path, table) == 1
    await write(changed)
    assert count(store.path, table) == 1
    assert await read() == [changed]


async def test_connections_listed_by_provider_then_priority(store: SqliteStore) -> None:
    rows = [
        ConnectionRow("b-2", "b", "s4", priority=2),
        ConnectionRow("a-2", "a", "s2", priority=1),
        ConnectionRow("b-1", "b", "s3", priority=0),
        ConnectionRow("a-1", "a", "s1", priority=0),
    ]
    for r in rows:
        await store.upsert_connection(r)
    assert [c.id for c in await store.list_connections()] == ["a-1", "a-2", "b-1", "b-2"]
    assert {c.id: c.secret for c in await store.list_connections()} == {r.id: r.secret for r in rows}


async def test_secret_is_not_stored_in_plaintext(store: SqliteStore) -> None:
    await store.upsert_connection(CONNECTION)
    await store.upsert_connection(ConnectionRow("fake-2", "fake", SECRET + "-two"))
    await store.close()
    files = [p for p in store.path.parent.iterdir() if p.name.startswith(DB_FILE)]
    assert store.path in files
    blob = b"".join(p.read_bytes() for p in files)  # the db file and any WAL or shm left behind
    assert b"fake-1" in blob  # the connection row is really there
    assert SECRET.encode() not in blob
    assert b"PLAINTEXT-canary" not in blob
    with closing(sqlite3.connect(store.path)) as db:
        sealed = db.execute("SELECT secret_enc FROM connections WHERE id = 'fake-1'").fetchone()[0]
    assert sealed.startswith("v1:")
    assert cipher().decrypt(sealed, context="fake-1") == SECRET
    await store.open()


USAGE = [
    UsageRow(
        "req-1",
        1700000000.5,
        "v1",
        "stack",
        "fake/m1",
        "fake-1",
        200,
        27,
        8,
        123.456,
        True,
        None,
        [
            {
                "target": "fake/m1",
                "connection": "fake-1",
                "status": 200,
                "error": None,
                "latency_ms": 1.5,
                "cooldown_s": None,
            }
        ],
    ),
    UsageRow("req-2", 1700000001.0, "mcp", "nope", None, None, 404, error="model 'nope' not found"),
    UsageRow(
        "req-3",
        1700000002.0,
        "a2a",
        "stack",
        "backup/m2",
        "backup-1",
        429,
        stream=False,
        attempts=[{"target": "fake/m1", "status": 429}, {"target": "backup/m2", "status": 429}],
    ),
]


async def test_usage_round_trip_newest_first(store: SqliteStore) -> None:
    await store.add_usage(USAGE[:2])
    await store.add_usage(USAGE[2:])
    assert await store.list_usage() == list(reversed(USAGE))
    assert await store.list_usage(limit=2) == [USAGE[2], USAGE[1]]


async def test_add_usage_empty_batch(store: SqliteStore) -> None:
    await store.add_usage([])
    assert await store.list_usage() == []


TASK = TaskRow(
    "task-1",
    "ctx-1",
    "working",
    "chat",
    1700000000.0,
    1700000000.0,
    {"id": "task-1", "status": {"state": "working"}, "history": [{"role": "user", "text": "hé"}]},
)


@pytest.mark.parametrize(
    "updates",
    [
        pytest.param([], id="saved-once"),
        pytest.param([("completed", 1700000005.0, {"id": "task-1", "status": {"state": "completed"}})], id="updated"),
    ],
)
async def test_task_save_get_round_trip(store: SqliteStore, updates: list[tuple[str, float, dict[str, Any]]]) -> None:
    await store.save_task(TASK)
    expected = TASK
    for state, ts, body in updates:
        expected = TaskRow(TASK.id, TASK.context_id, state, TASK.skill, TASK.created_at, ts, body)
        await store.save_task(expected)
    assert await store.get_task("task-1") == expected
    assert count(store.path, "a2a_tasks") == 1


async def test_get_missing_task(store: SqliteStore) -> None:
    assert await store.get_task("nope") is None
