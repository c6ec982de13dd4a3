"""core/accounts.py: round-robin over enabled connections, cooldowns driven by a fake clock."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from omniroute_agent.core.accounts import AUTH_COOLDOWN_S, DEFAULT_COOLDOWN_S, Accounts
from omniroute_agent.core.table import Provider
from omniroute_agent.errors import UpstreamError
from omniroute_agent.store.base import ConnectionRow


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def provider(*ids: str, disabled: tuple[str, ...] = (), pid: str = "p") -> Provider:
    conns = [
        ConnectionRow(cid, pid, f"secret-{cid}", enabled=cid not in disabled, priority=n)
        for n, cid in enumerate(ids)
    ]
    return Provider(pid, "openai", "http://127.0.0.1:1/v1", [], [], conns)


def ids(rows: list[ConnectionRow]) -> list[str]:
    return [r.id for r in rows]


def error(status: int, retry_after: float | None = None) -> UpstreamError:
    return UpstreamError(f"upstream answered {status}", status=status, retry_after=retry_after)


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
    accounts = Accounts(clock=FakeClock())
    p = provider(*conns, disabled=disabled)
    for expected in calls:
        ready, cooling = accounts.order(p)
        assert (ids(ready), ids(cooling)) == (expected, [])


def test_rotation_is_per_provider() -> None:
    accounts = Accounts(clock=FakeClock())
    p, q = provider("a", "b", pid="p"), provider("x", "y", pid="q")
    assert ids(accounts.order(p)[0]) == ["a", "b"]
    assert ids(accounts.order(q)[0]) == ["x", "y"]
    assert ids(accounts.order(p)[0]) == ["b", "a"]


@pytest.mark.parametrize(
    ("err", "seconds"),
    [
        pytest.param(error(429, retry_after=30.0), 30.0, id="retry-after-429"),
        pytest.param(error(503, retry_after=2.5), 2.5, id="retry-after-503"),
        pytest.param(error(401, retry_after=5.0), 5.0, id="retry-after-beats-auth"),
        pytest.param(error(401), AUTH_COOLDOWN_S, id="auth-401"),
        pytest.param(error(403), AUTH_COOLDOWN_S, id="auth-403"),
        pytest.param(error(429), DEFAULT_COOLDOWN_S, id="default-429"),
        pytest.param(error(500), DEFAULT_COOLDOWN_S, id="default-500"),
        pytest.param(error(502), DEFAULT_COOLDOWN_S, id="default-unreachable"),
    ],
)
def test_cooldown_length_and_expiry(err: UpstreamError, seconds: float) -> None:
    clock = FakeClock()
    accounts = Accounts(clock=clock)
    p = provider("a", "b")
    assert accounts.failed("a", err) == seconds
    assert accounts.cooldown_left("a") == seconds
    assert accounts.snapshot() == {"a": seconds}

    ready, cooling = accounts.order(p)
    assert (ids(ready), ids(cooling)) == (["b"], ["a"])

    clock.now += seconds / 2
    assert accounts.cooldown_left("a") == pytest.approx(seconds / 2)
    ready, cooling = accounts.order(p)
    assert (ids(ready), ids(cooling)) == (["b"], ["a"])

    clock.now += seconds / 2  # exactly at the end: ready again
    assert accounts.cooldown_left("a") == 0.0
    assert accounts.snapshot() == {}
    ready, cooling = accounts.order(p)
    assert (sorted(ids(ready)), ids(cooling)) == (["a", "b"], [])


def test_cooling_keeps_rotation_order() -> None:
    clock = FakeClock()
    accounts = Accounts(clock=clock)
    p = provider("a", "b", "c")
    accounts.failed("a", error(429, 10))
    accounts.failed("b", error(429, 10))
    assert [(ids(r), ids(c)) for r, c in (accounts.order(p), accounts.order(p), accounts.order(p))] == [
        (["c"], ["a", "b"]),
        (["c"], ["b", "a"]),
        (["c"], ["a", "b"]),
    ]


def test_succeeded_clears_cooldown() -> None:
    accounts = Accounts(clock=FakeClock())
    p = provider("a", "b")
    accounts.failed("a", error(401))
    assert ids(accounts.order(p)[1]) == ["a"]
    accounts.succeeded("a")
    accounts.succeeded("never-failed")  # no error
    assert accounts.cooldown_left("a") == 0.0
    assert accounts.snapshot() == {}
    ready, cooling = accounts.order(p)
    assert (sorted(ids(ready)), cooling) == (["a", "b"], [])


def test_later_failure_replaces_cooldown() -> None:
    clock = FakeClock()
    accounts = Accounts(clock=clock)
    accounts.failed("a", error(401))
    clock.now += 10
    accounts.failed("a", error(429, 3))
    assert accounts.cooldown_left("a") == 3.0


def test_disabled_connection_in_cooldown_is_not_listed() -> None:
    accounts = Accounts(clock=FakeClock())
    accounts.failed("b", error(429, 60))
    ready, cooling = accounts.order(provider("a", "b", disabled=("b",)))
    assert (ids(ready), cooling) == (["a"], [])
