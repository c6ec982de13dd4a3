"""core/breaker.py: the per-provider circuit breaker's state machine and snapshot, on a fake clock.

A scenario is a list of steps, each checked right after it runs:
    ("fail", state)         record_failure, then the state
    ("ok", state)           record_success, then the state
    ("allow", answer)       allow() answers this
    ("tick", seconds)       time passes
    ("release", state)      the probe is handed back, then the state
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import pytest

from omniroute_agent.core.breaker import Breaker, BreakerSettings

WALL = 1_700_000_000.0

Step = tuple[str, Any]


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def run(breaker: Breaker, clock: FakeClock, steps: list[Step], provider: str = "p") -> None:
    for n, (action, expected) in enumerate(steps):
        if action == "tick":
            clock.now += expected
            continue
        if action == "allow":
            got: Any = breaker.allow(provider)
        else:
            {"fail": breaker.record_failure, "ok": breaker.record_success, "release": breaker.release}[action](provider)
            got = breaker.state(provider)
        assert got == expected, f"step {n} ({action})"


FAIL_4: list[Step] = [("fail", "closed")] * 4
OPEN: list[Step] = [*FAIL_4, ("fail", "open")]  # the fifth consecutive failure opens it
HALF_OPEN: list[Step] = [*OPEN, ("tick", 30.0)]


@pytest.mark.parametrize(
    "steps",
    [
        pytest.param([("allow", True), ("ok", "closed"), ("allow", True)], id="closed-lets-everything-through"),
        pytest.param([*OPEN, ("allow", False)], id="fifth-consecutive-failure-opens"),
        pytest.param([*FAIL_4, ("ok", "closed"), *FAIL_4, ("allow", True)], id="success-resets-the-count"),
        pytest.param([*OPEN, ("tick", 29.999), ("allow", False)], id="open-until-open-seconds"),
        pytest.param([*HALF_OPEN, ("allow", True), ("allow", False), ("allow", False)], id="half-open-one-probe"),
        pytest.param(
            [*HALF_OPEN, ("allow", True), ("ok", "closed"), ("allow", True), ("allow", True)],
            id="probe-success-closes",
        ),
        pytest.param(
            [*HALF_OPEN, ("allow", True), ("ok", "closed"), *FAIL_4, ("allow", True), ("fail", "open")],
            id="closed-again-needs-five-more",
        ),
        pytest.param(
            [
                *HALF_OPEN,
                ("allow", True),
                ("fail", "open"),
                ("allow", False),
                ("tick", 29.0),
                ("allow", False),
            ],
            id="probe-failure-reopens",
        ),
        pytest.param(
            [
                *HALF_OPEN,
                ("allow", True),
                ("fail", "open"),
                ("tick", 30.0),
                ("allow", True),
                ("allow", False),
            ],
            id="reopened-then-half-open-again",
        ),
        pytest.param(
            [*HALF_OPEN, ("allow", True), ("release", "half-open"), ("allow", True), ("allow", False)],
            id="released-probe-goes-to-the-next-caller",
        ),
        pytest.param(
            [*HALF_OPEN, ("allow", True), ("tick", 59.0), ("allow", False), ("tick", 1.0), ("allow", True)],
            id="lost-probe-after-probe-timeout",
        ),
        pytest.param(
            [*OPEN, ("ok", "open"), ("fail", "open"), ("tick", 30.0), ("allow", True)],
            id="outcomes-while-open-change-nothing",
        ),
        pytest.param([*HALF_OPEN, ("ok", "closed")], id="straggler-success-in-half-open-closes"),
        pytest.param([*HALF_OPEN, ("fail", "open"), ("tick", 30.0), ("allow", True)], id="straggler-failure"),
        pytest.param([("release", "closed"), *FAIL_4, ("release", "closed"), ("fail", "open")], id="release-no-op"),
    ],
)
def test_state_machine(steps: list[Step]) -> None:
    clock = FakeClock()
    run(Breaker(clock=clock), clock, steps)


@pytest.mark.parametrize(
    ("settings", "steps"),
    [
        pytest.param(
            BreakerSettings(failures=1, open_seconds=5.0),
            [("fail", "open"), ("tick", 5.0), ("allow", True), ("allow", False)],
            id="one-failure-five-seconds",
        ),
        pytest.param(
            BreakerSettings(failures=2, open_seconds=0.0),
            [("fail", "closed"), ("fail", "half-open"), ("allow", True), ("allow", False)],
            id="zero-open-seconds-probes-at-once",
        ),
        pytest.param(
            BreakerSettings(failures=1, probe_timeout=0.0),
            [("fail", "open"), ("tick", 30.0), ("allow", True), ("allow", True)],
            id="zero-probe-timeout",
        ),
    ],
)
def test_settings(settings: BreakerSettings, steps: list[Step]) -> None:
    clock = FakeClock()
    run(Breaker(settings, clock=clock), clock, steps)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param({"failures": 0}, id="failures-0"),
        pytest.param({"open_seconds": -1.0}, id="negative-open-seconds"),
        pytest.param({"probe_timeout": math.inf}, id="infinite-probe-timeout"),
    ],
)
def test_bad_settings_are_refused(settings: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(settings))):
        BreakerSettings(**settings)


def test_circuits_are_per_provider() -> None:
    clock = FakeClock()
    breaker = Breaker(clock=clock)
    run(breaker, clock, OPEN, provider="p")
    assert (breaker.state("q"), breaker.allow("q")) == ("closed", True)
    run(breaker, clock, [("tick", 30.0), ("allow", True)], provider="p")
    run(breaker, clock, [*FAIL_4, ("allow", True)], provider="q")


def test_snapshot() -> None:
    clock, wall = FakeClock(), FakeClock(WALL)
    breaker = Breaker(clock=clock, wall=wall)
    run(breaker, clock, [*FAIL_4, ("fail", "open")], provider="down")
    run(breaker, clock, [("fail", "closed"), ("fail", "closed")], provider="flaky")
    run(breaker, clock, [("fail", "closed"), ("ok", "closed")], provider="fine")
    clock.now += 10
    wall.now += 10
    snap = breaker.snapshot()
    assert json.loads(json.dumps(snap)) == snap
    assert snap == {
        "saved_at": WALL + 10,
        "circuits": [
            {"provider": "down", "state": "open", "failures": 5, "until": WALL + 30},
            {"provider": "flaky", "state": "closed", "failures": 2, "until": None},
        ],
    }


@pytest.mark.parametrize(
    ("down_for", "steps"),
    [
        pytest.param(
            0.0,
            [("allow", False), ("tick", 19.0), ("allow", False), ("tick", 1.0), ("allow", True)],
            id="restart-at-once",
        ),
        pytest.param(15.0, [("allow", False), ("tick", 5.0), ("allow", True), ("allow", False)], id="down-15s"),
        pytest.param(3600.0, [("allow", True), ("allow", False), ("ok", "closed")], id="expired-is-half-open"),
    ],
)
def test_snapshot_restore_round_trip(down_for: float, steps: list[Step]) -> None:
    """Opened at WALL, saved 10 s later; the new process starts `down_for` seconds after that."""
    clock, wall = FakeClock(), FakeClock(WALL)
    before = Breaker(clock=clock, wall=wall)
    run(before, clock, OPEN, provider="down")
    run(before, clock, [("fail", "closed")] * 3, provider="flaky")
    clock.now += 10
    wall.now += 10
    saved = json.loads(json.dumps(before.snapshot()))

    new_clock = FakeClock(3.0)
    after = Breaker(clock=new_clock, wall=FakeClock(WALL + 10 + down_for))
    after.restore(saved)
    run(after, new_clock, [("fail", "closed"), ("fail", "open")], provider="flaky")  # 3 + 2 = 5
    run(after, new_clock, steps, provider="down")


def test_a_probe_in_flight_is_not_persisted() -> None:
    clock = FakeClock()
    before = Breaker(clock=clock, wall=FakeClock(WALL))
    run(before, clock, [*HALF_OPEN, ("allow", True), ("allow", False)])
    after = Breaker(clock=FakeClock(), wall=FakeClock(WALL))
    after.restore(before.snapshot())
    assert (after.state("p"), after.allow("p"), after.allow("p")) == ("half-open", True, False)


def test_restore_takes_now_and_replaces_every_circuit() -> None:
    clock = FakeClock()
    breaker = Breaker(clock=clock, wall=FakeClock(WALL))
    run(breaker, clock, OPEN, provider="old")
    breaker.restore(
        {
            "saved_at": WALL,
            "circuits": [{"provider": "p", "state": "open", "failures": 5, "until": WALL + 50}],
        },
        now=WALL + 20,
    )
    assert (breaker.state("old"), breaker.state("p")) == ("closed", "open")
    run(breaker, clock, [("tick", 29.0), ("allow", False), ("tick", 1.0), ("allow", True)])


@pytest.mark.parametrize(
    "snapshot",
    [
        pytest.param({}, id="empty"),
        pytest.param([], id="not-a-mapping"),
        pytest.param({"circuits": {"p": 1}}, id="circuits-not-a-list"),
        pytest.param({"circuits": ["p", None]}, id="entries-not-mappings"),
        pytest.param({"circuits": [{"provider": 1, "failures": 5, "until": WALL + 9}]}, id="bad-provider"),
        pytest.param({"circuits": [{"provider": "p", "failures": -1, "until": WALL + 9}]}, id="negative-failures"),
        pytest.param({"circuits": [{"provider": "p", "failures": False, "until": WALL + 9}]}, id="bool-failures"),
        pytest.param({"circuits": [{"provider": "p", "failures": 5, "until": "later"}]}, id="bad-until"),
        pytest.param({"circuits": [{"provider": "p", "failures": 5, "until": math.inf}]}, id="infinite-until"),
    ],
)
def test_restore_skips_what_it_cannot_read(snapshot: Any) -> None:
    breaker = Breaker(clock=FakeClock(), wall=FakeClock(WALL))
    breaker.restore(snapshot)
    assert breaker.snapshot()["circuits"] == []
    assert (breaker.state("p"), breaker.allow("p")) == ("closed", True)
