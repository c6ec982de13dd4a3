"""core/accounts.py: account strategies, backoff cooldowns and snapshots, on a fake clock and fixed seeds."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from omniroute_agent.core.accounts import (
    AUTH_COOLDOWN_S,
    DEFAULT_COOLDOWN_S,
    QUOTA_COOLDOWN_S,
    STRATEGIES,
    Accounts,
    AccountSettings,
    Strategy,
)
from omniroute_agent.core.table import Provider
from omniroute_agent.store.base import ConnectionRow

WALL = 1_700_000_000.0


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def provider(*ids: str, disabled: tuple[str, ...] = (), pid: str = "p", priorities: tuple[int, ...] = ()) -> Provider:
    conns = [
        ConnectionRow(cid, pid, f"secret-{cid}", enabled=cid not in disabled, priority=(priorities or range(99))[n])
        for n, cid in enumerate(ids)
    ]
    return Provider(pid, "openai", "http://127.0.0.1:1/v1", [], [], conns)


def ids(rows: list[ConnectionRow]) -> list[str]:
    return [r.id for r in rows]


def make(clock: FakeClock | None = None, seed: int = 7, **settings: Any) -> Accounts:
    return Accounts(AccountSettings(**settings), clock=clock or FakeClock(), rng=random.Random(seed))


def fail(accounts: Accounts, cid: str, retry_after: float | None = None, **kw: Any) -> float:
    return accounts.failed(cid, model=kw.pop("model", None), retry_after=retry_after, **kw)


# --- selection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conns", "disabled", "calls"),
    [
        pytest.param(("a",), (), [["a"], ["a"], ["a"]], id="one"),
        pytest.param(("a", "b"), (), [["a", "b"], ["b", "a"], ["a", "b"]], id="two"),
        pytest.param(
            ("a", "b", "c"),
            (),
            [["a", "b", "c"], ["b", "c", "a"], ["c", "a", "b"], ["a", "b", "c"]],
            id="three",
        ),
        pytest.param(("a", "b", "c"), ("b",), [["a", "c"], ["c", "a"], ["a", "c"]], id="disabled-skipped"),
        pytest.param(("a", "b"), ("a", "b"), [[], []], id="all-disabled"),
        pytest.param((), (), [[], []], id="none"),
    ],
)
def test_round_robin(conns: tuple[str, ...], disabled: tuple[str, ...], calls: list[list[str]]) -> None:
    accounts = make()
    p = provider(*conns, disabled=disabled)
    for expected in calls:
        ready, cooling = accounts.order(p, model=None)
        assert (ids(ready), ids(cooling)) == (expected, [])


def test_rotation_is_per_provider() -> None:
    accounts = make()
    p, q = provider("a", "b", pid="p"), provider("x", "y", pid="q")
    assert ids(accounts.order(p, model=None)[0]) == ["a", "b"]
    assert ids(accounts.order(q, model=None)[0]) == ["x", "y"]
    assert ids(accounts.order(p, model=None)[0]) == ["b", "a"]


@pytest.mark.parametrize(
    ("strategy", "sticky", "priorities", "cooling", "leaders"),
    [
        pytest.param("fill-first", 1, (0, 1, 2), (), "aaaaaa", id="fill-first"),
        pytest.param("fill-first", 1, (2, 0, 1), (), "bbbbbb", id="fill-first-by-priority-number"),
        pytest.param("fill-first", 1, (0, 1, 2), ("a",), "bbbbbb", id="fill-first-next-while-first-cools"),
        pytest.param("fill-first", 1, (1, 0, 0), (), "bbbbbb", id="fill-first-tie-keeps-configured-order"),
        pytest.param("round-robin", 1, (0, 1, 2), (), "abcabc", id="round-robin"),
        pytest.param("round-robin", 2, (0, 1, 2), (), "aabbccaa", id="round-robin-sticky-2"),
        pytest.param("round-robin", 3, (0, 1, 2), (), "aaabbbcccaaa", id="round-robin-sticky-3"),
        pytest.param("round-robin", 2, (0, 1, 2), ("b",), "aacccca", id="round-robin-sticky-skips-cooling"),
        pytest.param("round-robin", 1, (2, 1, 0), (), "cbacba", id="round-robin-in-priority-order"),
        pytest.param("least-used", 1, (0, 1, 2), (), "abcabcab", id="least-used"),
        pytest.param("least-used", 1, (0, 1, 2), ("a",), "bcbcbc", id="least-used-skips-cooling"),
        pytest.param("p2c", 1, (0, 1, 2), (), "aaaaaabaaa", id="p2c-seed-7"),
        pytest.param("random", 1, (0, 1, 2), (), "ccbcbbabcb", id="random-seed-7"),
    ],
)
def test_strategy_leaders_over_consecutive_requests(
    strategy: Strategy, sticky: int, priorities: tuple[int, ...], cooling: tuple[str, ...], leaders: str
) -> None:
    accounts = make(strategy=strategy, sticky=sticky)
    p = provider("a", "b", "c", priorities=priorities)
    for cid in cooling:
        fail(accounts, cid, retry_after=1e6)
    got = ""
    for _ in leaders:
        ready, cooled = accounts.order(p, model="m")
        assert sorted(ids(ready) + ids(cooled)) == ["a", "b", "c"]
        assert ids(cooled) == list(cooling)
        got += ready[0].id
    assert got == leaders


@pytest.mark.parametrize(
    ("strategy", "first", "rest"),
    [
        pytest.param("fill-first", ["b", "c", "a"], ["b", "c", "a"], id="fill-first"),
        pytest.param("round-robin", ["b", "c", "a"], ["c", "a", "b"], id="round-robin"),
        pytest.param("least-used", ["b", "c", "a"], ["c", "a", "b"], id="least-used"),
        pytest.param("p2c", ["b", "c", "a"], ["c", "b", "a"], id="p2c-lead-then-priority"),
    ],
)
def test_full_order_of_two_requests(strategy: Strategy, first: list[str], rest: list[str]) -> None:
    """Priorities b=0, c=1, a=2. p2c with seed 3 leads with b then c; the others follow by priority."""
    accounts = make(strategy=strategy, seed=3)
    p = provider("a", "b", "c", priorities=(2, 0, 1))
    assert ids(accounts.order(p, model=None)[0]) == first
    assert ids(accounts.order(p, model=None)[0]) == rest


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_disabled_connections_never_appear(strategy: Strategy) -> None:
    accounts = make(strategy=strategy)
    p = provider("a", "b", "c", disabled=("b",))
    fail(accounts, "b", retry_after=60)
    for n in range(12):
        if n == 6:
            fail(accounts, "c", retry_after=60)
        ready, cooling = accounts.order(p, model=None)
        assert "b" not in ids(ready) + ids(cooling)
    assert accounts.order(provider("a", disabled=("a",)), model=None) == ([], [])


@pytest.mark.parametrize(
    ("headroom", "never_leads"),
    [
        pytest.param({}, "c", id="equal-scores-lower-priority-wins-each-pair"),
        pytest.param({"a": 0.1, "b": 0.9}, "a", id="less-headroom-loses"),
        pytest.param({"a": 0.0, "b": 0.0, "c": 0.5}, "b", id="headroom-then-priority"),
    ],
)
def test_p2c_leader_is_the_better_of_its_pair(headroom: dict[str, float], never_leads: str) -> None:
    """Three connections: each request draws one of three pairs, so the worst never leads and the
    other two do."""
    accounts = make(strategy="p2c", seed=11)
    for cid, fraction in headroom.items():
        accounts.set_headroom(cid, fraction)
    p = provider("a", "b", "c")
    leaders = Counter(accounts.order(p, model=None)[0][0].id for _ in range(60))
    assert set(leaders) == {"a", "b", "c"} - {never_leads}


def test_p2c_score_counts_recent_failures_of_the_connection_and_of_the_model() -> None:
    """a failed on the connection, b on (b, m): for m both score 1 and c (0) beats either; for
    another model only a scores 1; after a's success every score is 0 and priority decides."""
    clock = FakeClock()
    accounts = make(clock, strategy="p2c", seed=5)
    p = provider("a", "b", "c")
    fail(accounts, "a")
    fail(accounts, "b", model="m", per_model=True)
    clock.now += 10  # every cooldown over: all three ready, levels kept

    def leaders(model: str) -> set[str]:
        return {accounts.order(p, model=model)[0][0].id for _ in range(60)}

    assert leaders("m") == {"a", "c"}  # the {a, b} pair ties at 1: priority
    assert leaders("other") == {"b", "c"}
    accounts.succeeded("a", None)
    assert leaders("other") == {"a", "b"}


def test_set_headroom_clamps_and_forgets() -> None:
    accounts = make(strategy="p2c", seed=1)
    p = provider("a", "b")
    accounts.set_headroom("a", -3.0)
    assert {accounts.order(p, model=None)[0][0].id for _ in range(10)} == {"b"}
    accounts.set_headroom("a", None)
    accounts.set_headroom("b", math.nan)  # forgotten: unknown counts as full
    assert {accounts.order(p, model=None)[0][0].id for _ in range(10)} == {"a"}


def test_random_is_uniform_with_a_fixed_seed() -> None:
    accounts = make(strategy="random", seed=2024)
    p = provider("a", "b", "c")
    orders = Counter(tuple(ids(accounts.order(p, model=None)[0])) for _ in range(1200))
    assert len(orders) == 6
    assert all(150 < n < 250 for n in orders.values())


def test_least_used_counts_the_leader_of_every_strategy() -> None:
    accounts = make(strategy="fill-first")
    p = provider("a", "b", "c")
    for _ in range(3):
        accounts.order(p, model=None)  # a led three times
    accounts.order(p, model=None, strategy="round-robin")  # call 3: starts at a again
    assert [accounts.order(p, model=None, strategy="least-used")[0][0].id for _ in range(4)] == list("bcbc")


def test_order_strategy_argument_overrides_the_settings() -> None:
    accounts = make(strategy="round-robin")
    p = provider("a", "b")
    assert [accounts.order(p, model=None, strategy="fill-first")[0][0].id for _ in range(3)] == list("aaa")
    assert accounts.order(p, model=None)[0][0].id == "b"  # the rotation still counted those calls


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"strategy": "fastest"}, id="unknown-strategy"),
        pytest.param({"sticky": 0}, id="sticky-0"),
        pytest.param({"base": -1.0}, id="negative-base"),
        pytest.param({"cap": math.inf}, id="infinite-cap"),
        pytest.param({"max_retry_after": math.nan}, id="nan-max-retry-after"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        AccountSettings(**settings)


def test_unknown_strategy_for_one_call_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown account strategy"):
        make().order(provider("a"), model=None, strategy="fastest")  # type: ignore[arg-type]


def test_bad_base_is_refused() -> None:
    with pytest.raises(ValueError, match="base"):
        fail(make(), "a", base=-5.0)


# --- cooldowns ---------------------------------------------------------------------------------


def test_backoff_doubles_to_the_cap_and_success_resets_it() -> None:
    clock = FakeClock()
    accounts = make(clock)
    applied = []
    for _ in range(10):
        applied.append(fail(accounts, "a"))
        assert accounts.cooldown_left("a", None) == applied[-1]
        clock.now += applied[-1]  # exactly at the end: ready again
        assert accounts.cooldown_left("a", None) == 0.0
    assert applied == [1, 2, 4, 8, 16, 32, 64, 120, 120, 120]
    accounts.succeeded("a", None)
    assert [fail(accounts, "a"), fail(accounts, "b")] == [1, 1]  # per key


def test_backoff_level_is_capped_for_any_number_of_failures() -> None:
    clock = FakeClock()
    accounts = make(clock)
    for _ in range(200):
        assert fail(accounts, "a") <= 120
        clock.now += 120
    assert accounts.snapshot()["cooldowns"][0]["level"] == 64


@pytest.mark.parametrize(
    ("failures_before", "retry_after", "seconds"),
    [
        pytest.param(0, 30.0, 30.0, id="longer-than-first-step"),
        pytest.param(0, 0.5, 1.0, id="shorter-than-first-step"),
        pytest.param(3, 5.0, 8.0, id="shorter-than-level-3"),
        pytest.param(3, 10.0, 10.0, id="longer-than-level-3"),
        pytest.param(7, 28.0, 120.0, id="shorter-than-the-cap"),
        pytest.param(7, 500.0, 500.0, id="longer-than-the-cap"),
        pytest.param(0, 0.0, 1.0, id="zero"),
        pytest.param(0, 1e9, 86400.0, id="capped-at-a-day"),
        pytest.param(0, -4.0, 1.0, id="negative-ignored"),
        pytest.param(0, math.nan, 1.0, id="nan-ignored"),
        pytest.param(0, math.inf, 1.0, id="infinite-ignored"),
    ],
)
def test_retry_after_wins_when_longer(failures_before: int, retry_after: float, seconds: float) -> None:
    clock = FakeClock()
    accounts = make(clock)
    for _ in range(failures_before):
        clock.now += fail(accounts, "a")
    assert fail(accounts, "a", retry_after=retry_after) == seconds
    assert accounts.cooldown_left("a", None) == seconds


@pytest.mark.parametrize(
    ("base", "retry_after", "sequence"),
    [
        pytest.param(None, None, [1, 2, 4], id="default"),
        pytest.param(AUTH_COOLDOWN_S, None, [300, 300, 300], id="rejected-key-flat"),
        pytest.param(QUOTA_COOLDOWN_S, None, [3600, 3600], id="exhausted-quota-flat"),
        pytest.param(AUTH_COOLDOWN_S, 5.0, [300, 300], id="retry-after-shorter-than-base"),
        pytest.param(AUTH_COOLDOWN_S, 900.0, [900, 900], id="retry-after-longer-than-base"),
        pytest.param(0.5, None, [0.5, 1, 2, 4], id="small-base-doubles"),
        pytest.param(100.0, None, [100, 120, 120], id="base-under-cap-doubles-to-cap"),
        pytest.param(0.0, None, [0, 0], id="zero-base-no-cooldown"),
    ],
)
def test_base_is_the_first_step(base: float | None, retry_after: float | None, sequence: list[float]) -> None:
    clock = FakeClock()
    accounts = make(clock)
    applied = []
    for _ in sequence:
        applied.append(fail(accounts, "a", retry_after=retry_after, base=base))
        clock.now += applied[-1]
    assert applied == sequence


def test_defaults_for_other_modules() -> None:
    assert (DEFAULT_COOLDOWN_S, AUTH_COOLDOWN_S, QUOTA_COOLDOWN_S) == (1.0, 300.0, 3600.0)


@pytest.mark.parametrize(
    ("failure", "asked", "left"),
    [
        pytest.param(("m1", True), "m1", 1.0, id="per-model-same-model-cools"),
        pytest.param(("m1", True), "m2", 0.0, id="per-model-other-model-ready"),
        pytest.param(("m1", True), None, 0.0, id="per-model-no-model-ready"),
        pytest.param(("m1", False), "m2", 1.0, id="connection-wide-blocks-every-model"),
        pytest.param(("m1", False), None, 1.0, id="connection-wide-blocks-no-model"),
        pytest.param((None, True), "m2", 1.0, id="per-model-without-model-is-connection-wide"),
    ],
)
def test_per_model_cooldown(failure: tuple[str | None, bool], asked: str | None, left: float) -> None:
    accounts = make()
    p = provider("a", "b")
    model, per_model = failure
    fail(accounts, "a", model=model, per_model=per_model)
    assert accounts.cooldown_left("a", asked) == left
    ready, cooling = accounts.order(p, model=asked)
    assert ("a" in ids(cooling)) == (left > 0)
    assert sorted(ids(ready) + ids(cooling)) == ["a", "b"]


def test_a_request_waits_for_the_longer_of_connection_and_model_cooldown() -> None:
    clock = FakeClock()
    accounts = make(clock)
    fail(accounts, "a", model="m", per_model=True, retry_after=30)
    fail(accounts, "a", model="m", retry_after=10)
    assert [accounts.cooldown_left("a", m) for m in ("m", "n", None)] == [30, 10, 10]
    clock.now += 10
    assert [accounts.cooldown_left("a", m) for m in ("m", "n", None)] == [20, 0, 0]


def test_per_model_keys_back_off_and_reset_on_their_own() -> None:
    clock = FakeClock()
    accounts = make(clock)
    for _ in range(3):
        clock.now += fail(accounts, "a", model="m1", per_model=True)
    assert fail(accounts, "a", model="m2", per_model=True) == 1  # a fresh ladder
    clock.now += 1
    accounts.succeeded("a", "m2")  # resets (a, m2) and (a), not (a, m1)
    assert fail(accounts, "a", model="m1", per_model=True) == 8
    clock.now += 8
    accounts.succeeded("a", None)  # the connection key only
    assert fail(accounts, "a", model="m1", per_model=True) == 16


def test_cooldown_expiry_and_order() -> None:
    clock = FakeClock()
    accounts = make(clock)
    p = provider("a", "b")
    assert fail(accounts, "a", retry_after=30.0) == 30.0
    for _ in range(2):
        ready, cooling = accounts.order(p, model=None)
        assert (ids(ready), ids(cooling)) == (["b"], ["a"])
        clock.now += 15
    assert accounts.cooldown_left("a", None) == 0.0  # exactly at the end: ready again
    ready, cooling = accounts.order(p, model=None)
    assert (sorted(ids(ready)), ids(cooling)) == (["a", "b"], [])


def test_cooling_lists_soonest_ready_first_then_priority() -> None:
    accounts = make()
    p = provider("a", "b", "c", "d")
    fail(accounts, "a", retry_after=20)
    fail(accounts, "b", retry_after=10)
    fail(accounts, "c", retry_after=20)
    for _ in range(3):
        assert [ids(x) for x in accounts.order(p, model=None)] == [["d"], ["b", "a", "c"]]


def test_succeeded_clears_cooldown() -> None:
    accounts = make()
    p = provider("a", "b")
    fail(accounts, "a", base=AUTH_COOLDOWN_S)
    assert ids(accounts.order(p, model=None)[1]) == ["a"]
    accounts.succeeded("a", None)
    accounts.succeeded("never-failed", "m")  # no error
    assert accounts.cooldown_left("a", None) == 0.0
    assert accounts.snapshot()["cooldowns"] == []
    ready, cooling = accounts.order(p, model=None)
    assert (sorted(ids(ready)), cooling) == (["a", "b"], [])


@pytest.mark.parametrize(
    ("first", "wait", "second", "left"),
    [
        pytest.param({}, 0.5, {}, 1.0, id="same-step-again"),
        pytest.param({"base": AUTH_COOLDOWN_S}, 10.0, {"retry_after": 3.0}, 290.0, id="never-shorter"),
        pytest.param({}, 0.5, {"retry_after": 30.0}, 30.0, id="longer-wait-extends"),
        pytest.param({}, 0.5, {"base": AUTH_COOLDOWN_S}, 300.0, id="longer-class-extends"),
    ],
)
def test_failure_while_cooling_is_a_request_already_in_flight(
    first: dict[str, Any], wait: float, second: dict[str, Any], left: float
) -> None:
    """A second failure `wait` seconds into the first's cooldown keeps the level: the failure after
    the cooldown is the ladder's second step (2 s), not its third."""
    clock = FakeClock()
    accounts = make(clock)
    fail(accounts, "a", **first)
    clock.now += wait
    assert fail(accounts, "a", **second) == left
    clock.now += left
    assert fail(accounts, "a") == 2.0


# --- snapshot and restore ----------------------------------------------------------------------


def test_snapshot_lists_every_key_with_a_level() -> None:
    clock, wall = FakeClock(), FakeClock(WALL)
    accounts = Accounts(clock=clock, wall=wall)
    fail(accounts, "a", retry_after=30)
    fail(accounts, "b", model="m", per_model=True)
    clock.now += 5
    wall.now += 5
    snap = accounts.snapshot()
    assert json.loads(json.dumps(snap)) == snap
    assert snap == {
        "saved_at": WALL + 5,
        "cooldowns": [
            {"connection": "a", "model": None, "level": 1, "until": WALL + 30, "left": 25.0},
            {"connection": "b", "model": "m", "level": 1, "until": WALL + 1, "left": 0.0},
        ],
    }


def test_cooling_is_every_connection_cooling_now_with_its_longest_wait() -> None:
    clock = FakeClock()
    accounts = make(clock)
    fail(accounts, "a", retry_after=5)
    fail(accounts, "a", model="m", per_model=True, retry_after=20)
    fail(accounts, "b", model="m", per_model=True, retry_after=3)
    fail(accounts, "c")
    clock.now += 2
    assert accounts.cooling() == {"a": 18.0, "b": 1.0}


@pytest.mark.parametrize(
    ("down_for", "left_a", "left_b", "next_a"),
    [
        pytest.param(0.0, 30.0, 2.0, 4.0, id="restart-at-once"),
        pytest.param(10.0, 20.0, 0.0, 4.0, id="down-10s"),
        pytest.param(3600.0, 0.0, 0.0, 4.0, id="down-an-hour-levels-kept"),
    ],
)
def test_snapshot_restore_round_trip(down_for: float, left_a: float, left_b: float, next_a: float) -> None:
    """Cooldowns are wall-clock deadlines in the snapshot: a new process (its monotonic clock
    elsewhere) sees the time it was down already spent."""
    clock, wall = FakeClock(1000.0), FakeClock(WALL)
    before = Accounts(clock=clock, wall=wall)
    clock.now += fail(before, "a")  # level 1
    fail(before, "a", retry_after=30)  # level 2, 30 s
    fail(before, "b", model="m", per_model=True, retry_after=2)
    saved = json.loads(json.dumps(before.snapshot()))

    after = Accounts(clock=FakeClock(5.0), wall=FakeClock(WALL + down_for))
    after.restore(saved)
    assert after.cooldown_left("a", None) == pytest.approx(left_a)
    assert after.cooldown_left("b", "m") == pytest.approx(left_b)
    assert after.cooldown_left("b", "other") == 0.0
    after.clock.now += 1e6  # type: ignore[attr-defined]
    assert fail(after, "a") == next_a


def test_restore_takes_now_and_replaces_the_table() -> None:
    accounts = Accounts(clock=FakeClock(), wall=FakeClock(WALL))
    fail(accounts, "old", retry_after=60)
    accounts.restore(
        {
            "saved_at": WALL,
            "cooldowns": [{"connection": "a", "model": None, "level": 3, "until": WALL + 50, "left": 0}],
        },
        now=WALL + 20,
    )
    assert (accounts.cooldown_left("a", None), accounts.cooldown_left("old", None)) == (30.0, 0.0)


@pytest.mark.parametrize(
    "snapshot",
    [
        pytest.param({}, id="empty"),
        pytest.param([], id="not-a-mapping"),
        pytest.param({"cooldowns": "nope"}, id="cooldowns-not-a-list"),
        pytest.param({"cooldowns": ["a", None, 3]}, id="entries-not-mappings"),
        pytest.param({"cooldowns": [{"connection": 1, "model": None, "level": 1, "until": WALL + 9}]}, id="bad-id"),
        pytest.param({"cooldowns": [{"connection": "a", "model": 2, "level": 1, "until": WALL + 9}]}, id="bad-model"),
        pytest.param({"cooldowns": [{"connection": "a", "model": None, "level": 0, "until": WALL + 9}]}, id="level-0"),
        pytest.param({"cooldowns": [{"connection": "a", "model": None, "level": True, "until": WALL + 9}]}, id="bool"),
        pytest.param({"cooldowns": [{"connection": "a", "model": None, "level": 1, "until": "soon"}]}, id="bad-until"),
        pytest.param({"cooldowns": [{"connection": "a", "model": None, "level": 1, "until": math.nan}]}, id="nan"),
        pytest.param({"cooldowns": [{"connection": "a", "model": None, "level": 1}]}, id="missing-until"),
    ],
)
def test_restore_skips_what_it_cannot_read(snapshot: Any) -> None:
    accounts = Accounts(clock=FakeClock(), wall=FakeClock(WALL))
    accounts.restore(snapshot)
    assert accounts.snapshot()["cooldowns"] == []
    assert accounts.cooldown_left("a", None) == 0.0
