"""core/budget.py: UTC period starts at their boundaries, allow/block/degrade verdicts, validation, ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from omniroute_agent.core.budget import ALLOW, Budget, Ledger, Period, check, period_start, scopes
from omniroute_agent.errors import InvalidRequest


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("period", "now", "start"),
    [
        pytest.param("day", "2025-03-05T13:45:10", "2025-03-05T00:00:00", id="day-midday"),
        pytest.param("day", "2025-03-05T00:00:00", "2025-03-05T00:00:00", id="day-at-midnight"),
        pytest.param("day", "2025-03-04T23:59:59.999", "2025-03-04T00:00:00", id="day-just-before-midnight"),
        pytest.param("week", "2025-03-05T13:45:10", "2025-03-03T00:00:00", id="week-wednesday"),
        pytest.param("week", "2025-03-03T00:00:00", "2025-03-03T00:00:00", id="week-at-monday-midnight"),
        pytest.param("week", "2025-03-02T23:59:59", "2025-02-24T00:00:00", id="week-sunday-night"),
        pytest.param("week", "2025-03-01T08:00:00", "2025-02-24T00:00:00", id="week-across-month"),
        pytest.param("week", "2025-01-01T08:00:00", "2024-12-30T00:00:00", id="week-across-year"),
        pytest.param("month", "2025-03-31T23:59:59", "2025-03-01T00:00:00", id="month-last-second"),
        pytest.param("month", "2025-03-01T00:00:00", "2025-03-01T00:00:00", id="month-at-first"),
        pytest.param("month", "2025-02-28T23:59:59", "2025-02-01T00:00:00", id="month-february"),
        pytest.param("month", "2024-02-29T12:00:00", "2024-02-01T00:00:00", id="month-leap-day"),
        pytest.param("month", "2025-01-01T00:00:00", "2025-01-01T00:00:00", id="month-new-year"),
    ],
)
def test_period_start(period: Period, now: str, start: str) -> None:
    assert period_start(period, utc(now)) == utc(start)


NOW = utc("2025-03-05T13:45:00")  # a Wednesday
DAY, WEEK, MONTH = utc("2025-03-05T00:00:00"), utc("2025-03-03T00:00:00"), utc("2025-03-01T00:00:00")

KEY_DAY = Budget("key:k1", "day", 10.0)
KEY_DEGRADE = Budget("key:k1", "week", 50.0, "degrade", "cheap")
COMBO_DEGRADE = Budget("combo:stack", "month", 100.0, "degrade", "openai/gpt-5-nano")
GLOBAL_BLOCK = Budget("global", "month", 1000.0)
OTHER_KEY = Budget("key:k2", "day", 1.0)


def table(spent: dict[tuple[str, float], float]) -> Any:
    def lookup(scope: str, since: float) -> float:
        return spent.get((scope, since), 0.0)

    return lookup


@pytest.mark.parametrize(
    ("budgets", "spent", "key_id", "combo", "decision", "by", "degrade_to"),
    [
        pytest.param([], {}, "k1", "stack", "allow", None, None, id="no-budgets"),
        pytest.param([KEY_DAY], {("key:k1", DAY): 9.99}, "k1", None, "allow", None, None, id="under-limit"),
        pytest.param([KEY_DAY], {("key:k1", DAY): 10.0}, "k1", None, "block", KEY_DAY, None, id="at-limit-blocks"),
        pytest.param([KEY_DAY], {("key:k1", DAY): 12.5}, "k1", None, "block", KEY_DAY, None, id="over-limit"),
        pytest.param(
            [KEY_DAY],
            {("key:k1", WEEK): 99.0},
            "k1",
            None,
            "allow",
            None,
            None,
            id="spending-of-another-period",
        ),
        pytest.param([OTHER_KEY], {("key:k2", DAY): 5.0}, "k1", None, "allow", None, None, id="other-key"),
        pytest.param([KEY_DAY], {("key:k1", DAY): 50.0}, None, None, "allow", None, None, id="no-key-id"),
        pytest.param(
            [KEY_DEGRADE], {("key:k1", WEEK): 50.0}, "k1", None, "degrade", KEY_DEGRADE, "cheap", id="degrade"
        ),
        pytest.param(
            [COMBO_DEGRADE],
            {("combo:stack", MONTH): 100.0},
            "k1",
            "stack",
            "degrade",
            COMBO_DEGRADE,
            "openai/gpt-5-nano",
            id="combo-degrade",
        ),
        pytest.param(
            [COMBO_DEGRADE],
            {("combo:stack", MONTH): 100.0},
            "k1",
            "other",
            "allow",
            None,
            None,
            id="other-combo",
        ),
        pytest.param([COMBO_DEGRADE], {("combo:stack", MONTH): 100.0}, "k1", None, "allow", None, None, id="no-combo"),
        pytest.param([GLOBAL_BLOCK], {("global", MONTH): 1000.0}, None, None, "block", GLOBAL_BLOCK, None, id="global"),
        pytest.param(
            [KEY_DEGRADE, GLOBAL_BLOCK],
            {("key:k1", WEEK): 60.0, ("global", MONTH): 1001.0},
            "k1",
            None,
            "block",
            GLOBAL_BLOCK,
            None,
            id="block-wins-over-earlier-degrade",
        ),
        pytest.param(
            [COMBO_DEGRADE, KEY_DEGRADE],
            {("key:k1", WEEK): 60.0, ("combo:stack", MONTH): 200.0},
            "k1",
            "stack",
            "degrade",
            COMBO_DEGRADE,
            "openai/gpt-5-nano",
            id="first-exhausted-degrade-in-list-order",
        ),
        pytest.param(
            [KEY_DAY, KEY_DEGRADE, GLOBAL_BLOCK],
            {("key:k1", DAY): 1.0, ("key:k1", WEEK): 49.0, ("global", MONTH): 999.0},
            "k1",
            "stack",
            "allow",
            None,
            None,
            id="all-under",
        ),
    ],
)
def test_check(
    budgets: list[Budget],
    spent: dict[tuple[str, float], float],
    key_id: str | None,
    combo: str | None,
    decision: str,
    by: Budget | None,
    degrade_to: str | None,
) -> None:
    verdict = check(budgets, table(spent), key_id=key_id, combo=combo, now=NOW)
    assert (verdict.decision, verdict.budget, verdict.degrade_to) == (decision, by, degrade_to)
    if decision == "allow":
        assert verdict == ALLOW


def test_block_message_names_budget_spent_and_limit() -> None:
    verdict = check([KEY_DAY], table({("key:k1", DAY): 12.5}), key_id="k1", combo=None, now=NOW)
    assert verdict.spent_usd == 12.5
    assert verdict.message == (
        "budget key:k1 (day) is exhausted: spent $12.5000 of $10.00 since 2025-03-05T00:00Z; request blocked"
    )


def test_degrade_message_names_target() -> None:
    verdict = check([KEY_DEGRADE], table({("key:k1", WEEK): 51.0}), key_id="k1", combo=None, now=NOW)
    assert verdict.message.endswith("since 2025-03-03T00:00Z; request degraded to 'cheap'")


def test_check_asks_spent_with_each_period_start() -> None:
    asked: list[tuple[str, float]] = []

    def spent(scope: str, since: float) -> float:
        asked.append((scope, since))
        return 0.0

    check([KEY_DAY, KEY_DEGRADE, COMBO_DEGRADE, OTHER_KEY], spent, key_id="k1", combo="stack", now=NOW)
    assert asked == [("key:k1", DAY), ("key:k1", WEEK), ("combo:stack", MONTH)]


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        pytest.param({"scope": "team:x"}, "scope", id="unknown-scope-kind"),
        pytest.param({"scope": "key:"}, "scope", id="empty-key-id"),
        pytest.param({"scope": "combo: "}, "scope", id="blank-combo"),
        pytest.param({"period": "year"}, "period", id="period"),
        pytest.param({"limit_usd": 0.0}, "limit_usd", id="zero-limit"),
        pytest.param({"limit_usd": -5.0}, "limit_usd", id="negative-limit"),
        pytest.param({"limit_usd": float("inf")}, "limit_usd", id="infinite-limit"),
        pytest.param({"limit_usd": True}, "limit_usd", id="bool-limit"),
        pytest.param({"action": "warn"}, "action", id="action"),
        pytest.param({"action": "degrade"}, "degrade_to", id="degrade-without-target"),
        pytest.param({"action": "degrade", "degrade_to": " "}, "degrade_to", id="degrade-blank-target"),
        pytest.param({"degrade_to": "cheap"}, "degrade_to", id="block-with-target"),
    ],
)
def test_validation(kwargs: dict[str, Any], param: str) -> None:
    fields: dict[str, Any] = {"scope": "global", "period": "day", "limit_usd": 5.0, **kwargs}
    with pytest.raises(InvalidRequest) as caught:
        Budget(**fields)
    assert caught.value.param == param
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "budget",
    [
        pytest.param(Budget("global", "day", 0.01), id="global"),
        pytest.param(Budget("key:abc123", "week", 5), id="int-limit"),
        pytest.param(Budget("combo:stack", "month", 5.0, "degrade", "cheap"), id="degrade"),
    ],
)
def test_valid_budgets(budget: Budget) -> None:
    assert budget.limit_usd > 0


@pytest.mark.parametrize(
    ("key_id", "combo", "expected"),
    [
        pytest.param(None, None, ("global",), id="bare"),
        pytest.param("k1", None, ("global", "key:k1"), id="key"),
        pytest.param(None, "stack", ("global", "combo:stack"), id="combo"),
        pytest.param("k1", "stack", ("global", "key:k1", "combo:stack"), id="both"),
    ],
)
def test_scopes(key_id: str | None, combo: str | None, expected: tuple[str, ...]) -> None:
    assert scopes(key_id=key_id, combo=combo) == expected


def test_ledger_sums_by_period() -> None:
    ledger = Ledger()
    for when, usd in [
        ("2025-02-28T23:00:00", 1.0),  # last month
        ("2025-03-02T10:00:00", 2.0),  # this month, last week
        ("2025-03-04T10:00:00", 4.0),  # this week, yesterday
        ("2025-03-05T00:00:00", 8.0),  # today, at midnight
        ("2025-03-05T13:00:00", 16.0),
    ]:
        ledger.add(scopes(key_id="k1", combo=None), usd, utc(when))
    assert ledger.spent("key:k1", DAY) == 24.0
    assert ledger.spent("key:k1", WEEK) == 28.0
    assert ledger.spent("key:k1", MONTH) == 30.0
    assert ledger.spent("global", MONTH) == 30.0
    assert ledger.spent("combo:stack", MONTH) == 0.0
    verdict = check([KEY_DAY], ledger.spent, key_id="k1", combo=None, now=NOW)
    assert verdict.decision == "block"
    assert verdict.spent_usd == 24.0


def test_ledger_drops_days_older_than_a_month() -> None:
    ledger = Ledger()
    ledger.add(["global"], 5.0, utc("2025-01-01T12:00:00"))
    ledger.add(["global"], 1.0, utc("2025-03-05T12:00:00"))
    assert ledger.spent("global", 0.0) == 1.0
