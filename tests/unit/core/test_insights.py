"""core/insights.py: metrics per target, provider and combo, quota and budgets, the session and cost
reports, each read from a router and a store this test fills."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniroute_agent.core.budget import Budget, scopes
from omniroute_agent.core.insights import (
    Period,
    UsageTotals,
    combo_metrics,
    cost_report,
    provider_metrics,
    quota_report,
    session_snapshot,
    stats_of,
    target_stats,
)
from omniroute_agent.core.metrics import RECENT_S
from omniroute_agent.core.strategies import ComboState
from omniroute_agent.errors import NotFound
from tests.unit.core.insight_kit import WALL0, kit, row

pytestmark = pytest.mark.anyio

DAY_S = 86_400.0
MINI, NANO = "fake/gpt-4.1-mini", "backup/gpt-4.1-nano"


async def test_target_stats_read_the_routers_metrics(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.observe(MINI, 10.0, 20.0, 30.0, 40.0, failed=1)
        k.clock.advance(RECENT_S + 1)
        k.observe(MINI, 50.0)
        stats = target_stats(k.router)
    mini = stats[MINI]
    assert (mini.requests, mini.failed) == (6, 1)
    assert mini.success_rate == round(5 / 6, 4)
    assert mini.latency_ms is not None
    assert (mini.latency_ms.p50, mini.latency_ms.p95, mini.latency_ms.p99) == (30.0, 50.0, 50.0)
    assert (mini.recent_requests, mini.recent_error_rate) == (1, 0.0), "the older calls left the recent window"
    never = stats_of(stats, NANO)
    assert (never.requests, never.success_rate, never.latency_ms) == (0, None, None)


async def test_provider_metrics_gather_targets_circuit_connections(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.observe(MINI, 12.0, failed=3)
        k.observe("fake/other-model", 8.0)
        k.observe(NANO, 99.0)
        accounts = k.router.accounts
        accounts.failed("fake-1", model=None, retry_after=None, base=300.0)
        accounts.failed("fake-2", model="gpt-4.1-mini", retry_after=None, base=30.0, per_model=True)
        accounts.set_headroom("fake-2", 0.25)
        k.router.breaker.record_failure("fake")
        k.clock.advance(10)
        fake = provider_metrics(k.gateway, "fake")
        backup = provider_metrics(k.gateway, "backup")
        with pytest.raises(NotFound, match=r"no provider 'nope' \(providers: backup, fake, odd, reasoner\)"):
            provider_metrics(k.gateway, "nope")
    assert [t.target for t in fake.targets] == ["fake/gpt-4.1-mini", "fake/other-model"]
    assert (fake.requests, fake.failed, fake.error_rate) == (5, 3, 0.6)
    assert (fake.circuit.state, fake.circuit.failures, fake.circuit.open_for_s) == ("open", 1, 20.0)
    first, second = fake.connections
    assert (first.connection, first.cooldown_s, first.backoff_level, first.headroom) == ("fake-1", 290.0, 1, None)
    assert (second.cooldown_s, second.model_cooldowns, second.headroom) == (0.0, {"gpt-4.1-mini": 20.0}, 0.25)
    assert second.backoff_level == 0, "its failure was for one model only"
    assert (backup.requests, backup.error_rate, backup.circuit.state) == (1, 0.0, "closed")


async def test_provider_metrics_before_any_call(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        odd = provider_metrics(k.gateway, "odd")
    assert (odd.requests, odd.error_rate, odd.targets) == (0, None, [])
    assert [c.connection for c in odd.connections] == ["odd-1"]


async def test_combo_metrics_targets_state_and_stored_usage(tmp_path: Path) -> None:
    now = WALL0
    async with kit(tmp_path) as k:
        k.observe(MINI, 10.0, 30.0)
        k.router.combo_states["rotor"] = ComboState(counter=7, last_good=NANO)
        await k.usage(
            row("a", now - 60, combo="rotor", cost=0.002),
            row("b", now - 120, combo="rotor", target=NANO, cost=0.001),
            row("c", now - DAY_S, combo="rotor", cost=0.004),  # yesterday
            row("d", now - 30, combo="rotor", status=502, target=None),
            row("e", now - 30, combo="stack", cost=1.0),
        )
        rotor = await combo_metrics(k.gateway, "rotor", now=now)
        quick = await combo_metrics(k.gateway, "quick", now=now)
        with pytest.raises(NotFound, match="no combo 'nope'"):
            await combo_metrics(k.gateway, "nope")
    assert [t.target for t in rotor.targets] == [MINI, NANO]
    assert rotor.targets[0].requests == 2
    assert rotor.targets[1].requests == 0
    assert rotor.state is not None
    assert (rotor.state.counter, rotor.state.last_good) == (7, NANO)
    assert rotor.strategy == "round-robin"
    today, everything = rotor.usage_today, rotor.usage_all
    assert (today.requests, today.succeeded, today.failed, today.cost_usd) == (3, 2, 1, 0.003)
    assert (everything.requests, everything.cost_usd) == (4, 0.007)
    assert everything.prompt_tokens == 40
    assert quick.state is None
    assert quick.usage_all == UsageTotals()


async def test_quota_report_budgets_spent_this_period(tmp_path: Path) -> None:
    now = WALL0
    async with kit(tmp_path) as k:
        k.gateway.budgets = [
            Budget("global", "month", 10.0),
            Budget("combo:stack", "day", 0.5, "degrade", "thrifty"),
        ]
        k.gateway.ledger.add(scopes(key_id=None, combo="stack"), 0.75, now - 60)
        k.gateway.ledger.add(scopes(key_id=None, combo=None), 1.0, now - 3 * DAY_S)  # earlier this month
        k.router.accounts.set_headroom("backup-1", 0.9)
        report = quota_report(k.gateway, now=now)
        backup_only = quota_report(k.gateway, "backup", now=now)
    glob, combo = report.budgets
    assert (glob.id, glob.spent_usd, glob.remaining_usd, glob.used, glob.exhausted) == (
        "global/month",
        1.75,
        8.25,
        0.175,
        False,
    )
    assert (combo.id, combo.spent_usd, combo.remaining_usd, combo.exhausted) == ("combo:stack/day", 0.75, 0.0, True)
    assert (combo.action, combo.degrade_to) == ("degrade", "thrifty")
    assert [p.provider for p in report.providers] == ["fake", "backup", "odd", "reasoner"]
    assert [p.provider for p in backup_only.providers] == ["backup"]
    assert backup_only.providers[0].connections[0].headroom == 0.9
    assert backup_only.budgets == report.budgets, "budgets are not per provider"


async def test_session_snapshot_counts_this_process_only(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        start = k.gateway.started_at
        await k.usage(
            row("old", start - 10, cost=5.0),  # before this process started
            row("a", start + 1, cost=0.01),
            row("b", start + 2, target=NANO, cost=0.02),
            row("c", start + 3, target=NANO, cost=0.02),
            row("d", start + 4, status=503, target=None),
        )
        k.router.accounts.failed("backup-1", model=None, retry_after=None, base=60.0)
        k.router.breaker.record_failure("odd")
        snap = await session_snapshot(k.gateway, now=start + 100)
    assert snap.uptime_s == 100
    assert (snap.totals.requests, snap.totals.failed, snap.totals.cost_usd) == (4, 1, 0.05)
    assert [(m.target, m.requests) for m in snap.top_models] == [(NANO, 2), (MINI, 1)]
    (cooldown,) = snap.cooldowns
    assert (cooldown.provider, cooldown.connection, cooldown.model, cooldown.seconds_left) == (
        "backup",
        "backup-1",
        None,
        60.0,
    )
    (circuit,) = snap.open_circuits
    assert (circuit.provider, circuit.state, circuit.open_for_s) == ("odd", "open", 30.0)


@pytest.mark.parametrize(
    ("period", "expected_requests"),
    [
        pytest.param("session", 2, id="session"),
        pytest.param("day", 3, id="day"),  # the kit's wall clock is a Sunday afternoon
        pytest.param("week", 4, id="week"),
        pytest.param("month", 5, id="month"),
    ],
)
async def test_cost_report_periods_and_groups(tmp_path: Path, period: Period, expected_requests: int) -> None:
    async with kit(tmp_path) as k:
        start = k.gateway.started_at
        await k.usage(
            row("s1", start + 1, combo="stack", cost=0.01),
            row("s2", start + 2, target=NANO, cost=0.02),
            row("d1", start - 3600, combo="stack", cost=0.04),  # earlier today
            row("w1", start - 2 * DAY_S, target=NANO, combo="thrifty", cost=0.08),  # earlier this week
            row("m1", start - 10 * DAY_S, cost=0.16),  # earlier this month
            row("x1", start - 40 * DAY_S, cost=0.32),  # last month
        )
        report = await cost_report(k.gateway, period, now=start + 10)
    assert report.totals.requests == expected_requests
    for groups in (report.by_provider, report.by_model, report.by_combo):
        assert sum(g.requests for g in groups) == expected_requests
        assert sum(g.cost_usd for g in groups) == pytest.approx(report.totals.cost_usd)
    assert {g.key for g in report.by_provider} <= {"fake", "backup"}
    if period == "session":
        assert report.since == start
        assert {g.key: g.cost_usd for g in report.by_combo} == {"stack": 0.01, None: 0.02}
        assert report.totals.cost_usd == 0.03
