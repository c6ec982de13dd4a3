"""core/profiles.py: the resilience presets, applied to a live router, and restored when it is built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from omniroute_agent.config import RoutingSection, Settings
from omniroute_agent.core import profiles
from omniroute_agent.core.accounts import MAX_BACKOFF_S, Accounts, AccountSettings
from omniroute_agent.core.breaker import Breaker, BreakerSettings
from omniroute_agent.core.profiles import PROFILES, ResilienceProfile
from omniroute_agent.core.router import Router
from omniroute_agent.core.table import RoutingTable
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.runtime import build_router
from omniroute_agent.store.crypto import Cipher
from omniroute_agent.store.sqlite import DB_FILE, SqliteStore


def router() -> Router[Any]:
    return Router(
        RoutingTable(),
        accounts=Accounts(AccountSettings(strategy="fill-first", sticky=3, base=0.5)),
        breaker=Breaker(BreakerSettings(probe_timeout=7.0)),
    )


def test_the_table_holds_the_three_presets_in_order_of_patience():
    assert list(PROFILES) == ["aggressive", "balanced", "conservative"]
    aggressive, balanced, conservative = PROFILES.values()
    assert aggressive.breaker_failures < balanced.breaker_failures < conservative.breaker_failures
    assert aggressive.wait_for_cooldown_s < balanced.wait_for_cooldown_s < conservative.wait_for_cooldown_s
    assert aggressive.max_attempts < balanced.max_attempts < conservative.max_attempts


def test_balanced_is_the_built_in_defaults():
    routing = RoutingSection()
    assert PROFILES["balanced"] == ResilienceProfile(
        routing.breaker_failures,
        routing.breaker_open_s,
        routing.wait_for_cooldown_s,
        routing.max_attempts,
        MAX_BACKOFF_S,
    )


@pytest.mark.parametrize("name", list(PROFILES))
def test_apply_sets_every_value_and_keeps_the_rest(name: str):
    live = router()
    profiles.apply(live, PROFILES[name])
    assert profiles.in_effect(live) == PROFILES[name]
    assert live.breaker.settings.probe_timeout == 7.0
    assert (live.accounts.settings.strategy, live.accounts.settings.sticky, live.accounts.settings.base) == (
        "fill-first",
        3,
        0.5,
    )


@pytest.mark.parametrize(("name", "opens_after"), [("aggressive", 3), ("balanced", 5), ("conservative", 10)])
def test_the_breaker_follows_the_profile(name: str, opens_after: int):
    live = router()
    profiles.apply(live, PROFILES[name])
    for _ in range(opens_after - 1):
        live.breaker.record_failure("p")
    assert live.breaker.state("p") == "closed"
    live.breaker.record_failure("p")
    assert live.breaker.state("p") == "open"


def test_an_unknown_profile_is_refused_naming_the_known_ones():
    with pytest.raises(InvalidRequest, match=r"'reckless'.*aggressive, balanced, conservative") as err:
        profiles.profile_named("reckless")
    assert err.value.param == "profile"


@pytest.mark.parametrize(
    ("saved", "restored"),
    [
        pytest.param(None, None, id="nothing-saved"),
        pytest.param({}, None, id="empty"),
        pytest.param({"profile": 3}, None, id="not-a-name"),
        pytest.param({"profile": "retired"}, None, id="no-longer-in-the-table"),
        pytest.param({"profile": "conservative", "set_at": 1.0}, "conservative", id="saved"),
    ],
)
def test_restore_applies_only_a_known_saved_profile(saved: dict[str, Any] | None, restored: str | None):
    live = router()
    before = profiles.in_effect(live)
    assert profiles.restore(live, saved) == restored
    assert profiles.in_effect(live) == (PROFILES[restored] if restored else before)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / DB_FILE, Cipher(bytes(range(32))))
    await s.open()
    yield s
    await s.close()


@pytest.mark.anyio
async def test_build_router_applies_the_saved_profile_over_the_config(store: SqliteStore):
    settings = Settings()
    plain = await build_router(store, RoutingTable(), settings)
    assert profiles.in_effect(plain) == PROFILES["balanced"]
    assert await profiles.saved(store) is None

    await store.put_state({profiles.STATE_KEY: {"profile": "aggressive"}})
    built = await build_router(store, RoutingTable(), settings)
    assert profiles.in_effect(built) == PROFILES["aggressive"]
    assert await profiles.saved(store) == "aggressive"
