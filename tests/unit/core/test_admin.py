"""core/admin.py: the run-time changes the control tools make, against a real SQLite store: each is
validated, stored, then applied to the live gateway, and a refused one changes neither."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from omniroute_agent.config import ConfigFile, ServerSection, Settings
from omniroute_agent.core import profiles
from omniroute_agent.core.admin import SETTINGS_KEY, Admin, backup_path
from omniroute_agent.core.bootstrap import load_table
from omniroute_agent.core.budget import Budget
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.price_feed import Skipped
from omniroute_agent.core.router import Router
from omniroute_agent.core.strategies import ComboState
from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.errors import InvalidRequest, ModelNotFound, NotFound
from omniroute_agent.providers.executor import Executor
from omniroute_agent.store.base import ComboRow, ConnectionRow, PriceRow, ProviderRow
from omniroute_agent.store.crypto import Cipher
from omniroute_agent.store.sqlite import DB_FILE, SqliteStore

pytestmark = pytest.mark.anyio

CIPHER = Cipher(bytes(range(32)))
STACK = ["fake/m1", "backup/m2"]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "data" / DB_FILE, CIPHER)
    await s.open()
    for provider, model in (("fake", "m1"), ("backup", "m2")):
        await s.upsert_provider(ProviderRow(provider, "openai", f"http://{provider}.test/v1", [model]))
        await s.upsert_connection(ConnectionRow(f"{provider}-1", provider, "secret"))
    await s.upsert_combo(ComboRow("stack", "priority", STACK, {"weights": [1.0, 2.0]}))
    yield s
    await s.close()


@pytest.fixture
async def gateway(store: SqliteStore) -> AsyncIterator[Gateway]:
    table = await load_table(store, CIPHER, Settings(file=ConfigFile(server=ServerSection(default_model="stack"))))
    async with aiohttp.ClientSession() as session:
        executor = Executor(session, request_timeout=5, idle_timeout=5)
        yield Gateway(table, executor, store, UsageRecorder(store), Router(table))


# ---------------------------------------------------------------- the default model


async def test_switch_default_is_stored_applied_and_restored_over_the_config(gateway: Gateway, store: SqliteStore):
    route = await Admin(gateway).switch_default(" backup/m2 ")
    assert (route.requested, route.combo, [t.label for t in route.targets]) == ("backup/m2", None, ["backup/m2"])
    assert gateway.table.default_model == "backup/m2"
    assert (await store.get_state(SETTINGS_KEY) or {})["default_model"] == "backup/m2"
    settings = Settings(file=ConfigFile(server=ServerSection(default_model="stack")))
    assert (await load_table(store, CIPHER, settings)).default_model == "backup/m2", "the stored switch wins"


@pytest.mark.parametrize(
    ("name", "error"),
    [("nope/x", ModelNotFound), ("no-such-model", ModelNotFound), ("  ", InvalidRequest)],
)
async def test_a_default_that_does_not_resolve_is_refused(
    gateway: Gateway, store: SqliteStore, name: str, error: type[Exception]
):
    with pytest.raises(error):
        await Admin(gateway).switch_default(name)
    assert gateway.table.default_model == "stack"
    assert await store.get_state(SETTINGS_KEY) is None


# ---------------------------------------------------------------- strategies


async def test_set_strategy_keeps_targets_and_weights_and_restarts_the_strategy(gateway: Gateway, store: SqliteStore):
    gateway.router.combo_states["stack"] = ComboState(counter=7)
    combo = await Admin(gateway).set_strategy("stack", "round-robin")
    assert (combo.strategy, combo.models, combo.config) == ("round-robin", STACK, {"weights": [1.0, 2.0]})
    assert "stack" not in gateway.router.combo_states
    weighted = await Admin(gateway).set_strategy("stack", "weighted", [0.0, 1.0])
    assert weighted.config["weights"] == [0.0, 1.0]
    (row,) = await store.list_combos()
    assert (row.strategy, row.models, row.config) == ("weighted", STACK, {"weights": [0.0, 1.0]})


@pytest.mark.parametrize(
    ("combo", "strategy", "weights", "error", "needle"),
    [
        ("nope", "priority", None, NotFound, "no combo 'nope'"),
        ("stack", "fastest", None, InvalidRequest, "fastest"),
        ("stack", "weighted", [1.0], InvalidRequest, "2 targets but 1 weights"),
    ],
)
async def test_a_bad_strategy_change_is_refused_and_stores_nothing(
    gateway: Gateway,
    store: SqliteStore,
    combo: str,
    strategy: str,
    weights: list[float] | None,
    error: type[Exception],
    needle: str,
):
    with pytest.raises(error, match=needle):
        await Admin(gateway).set_strategy(combo, strategy, weights)
    assert gateway.table.combos["stack"].strategy == "priority"
    assert [r.strategy for r in await store.list_combos()] == ["priority"]


# ---------------------------------------------------------------- resilience profiles


async def test_set_resilience_profile_is_stored_then_applied(gateway: Gateway, store: SqliteStore):
    await Admin(gateway).set_resilience_profile("conservative")
    assert profiles.in_effect(gateway.router) == profiles.PROFILES["conservative"]
    assert await profiles.saved(store) == "conservative"
    with pytest.raises(InvalidRequest, match="reckless"):
        await Admin(gateway).set_resilience_profile("reckless")
    assert await profiles.saved(store) == "conservative"


# ---------------------------------------------------------------- budgets


async def test_a_budget_must_degrade_to_something_that_resolves(gateway: Gateway, store: SqliteStore):
    admin = Admin(gateway)
    with pytest.raises(InvalidRequest, match="degrade_to: unknown provider 'nope'") as err:
        await admin.save_budget(Budget("global", "day", 1.0, "degrade", "nope/x"))
    assert err.value.param == "degrade_to"
    assert (gateway.budgets, await store.list_budgets()) == ([], [])
    assert await admin.save_budget(Budget("combo:stack", "day", 1.0, "degrade", "backup/m2")) == "combo:stack/day"
    assert [b.degrade_to for b in gateway.budgets] == ["backup/m2"]


# ---------------------------------------------------------------- price sync


async def test_sync_prices_adds_updates_and_never_touches_a_user_price(gateway: Gateway, store: SqliteStore):
    await store.upsert_price(PriceRow("fake/m1", 1.0, 2.0, source="user"))
    await store.upsert_price(PriceRow("backup/m2", 0.5, 1.0, source="sync"))
    await store.upsert_price(PriceRow("other/same", 3.0, 4.0, source="sync"))
    feed = [
        PriceRow("FAKE/M1", 9.0, 9.0, source="sync"),  # the user's, whatever the case
        PriceRow("Backup/M2", 0.6, 1.0, 0.1, 64_000, source="sync"),
        PriceRow("other/same", 3.0, 4.0, source="sync"),
        PriceRow("brand/new", 7.0, 8.0, source="whatever"),
    ]
    report = await Admin(gateway).sync_prices(feed)
    assert (report.added, report.updated, report.unchanged) == (["brand/new"], ["backup/m2"], ["other/same"])
    assert report.skipped == [Skipped("FAKE/M1", "a user price: a sync never overwrites it")]
    stored = {p.model: p for p in await store.list_prices()}
    assert stored["fake/m1"] == PriceRow("fake/m1", 1.0, 2.0, source="user")
    assert stored["backup/m2"] == PriceRow("backup/m2", 0.6, 1.0, 0.1, 64_000, source="sync"), "updated in place"
    assert stored["brand/new"].source == "sync"
    book = gateway.router.prices
    assert (book.lookup("fake/m1").input, book.lookup("backup/m2").input) == (1.0, 0.6)  # type: ignore[union-attr]


# ---------------------------------------------------------------- the database


async def test_check_database_reports_and_repairs_after_a_backup(gateway: Gateway, store: SqliteStore):
    admin = Admin(gateway)
    plain = await admin.check_database(store.path)
    assert (plain.ok, plain.integrity, plain.backup_path) == (True, ["ok"], None)
    assert plain.db_bytes == store.path.stat().st_size

    repaired = await admin.check_database(store.path, repair=True)
    assert repaired.backup_path is not None
    assert repaired.backup_path.parent == store.path.parent / "backups"
    assert repaired.backup_bytes == repaired.backup_path.stat().st_size > 0
    assert (repaired.ok, repaired.integrity_after) == (True, ["ok"])
    copy = SqliteStore(repaired.backup_path, CIPHER)
    await copy.open()
    try:
        assert [c.name for c in await copy.list_combos()] == ["stack"]
    finally:
        await copy.close()


def test_a_backup_name_is_never_reused(tmp_path: Path):
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = backup_path(tmp_path, now)
    assert first.name == "omniroute-20260102T030405Z.db"
    first.touch()
    second = backup_path(tmp_path, now)
    assert second.name == "omniroute-20260102T030405Z-2.db"
