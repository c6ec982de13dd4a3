"""core/strategies.py: each combo strategy's order over consecutive requests, with fixed seeds."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace
from itertools import permutations
from typing import Any

import pytest

from omniroute_agent.core.strategies import (
    STRATEGIES,
    ComboState,
    TargetView,
    order,
    record_success,
    score,
    validate_strategy,
)
from omniroute_agent.errors import InvalidRequest

ABCD = [TargetView(label) for label in "abcd"]


def run(
    strategy: str,
    views: list[TargetView],
    requests: int,
    *,
    seed: int = 7,
    state: ComboState | None = None,
    exploration: float = 0.05,
) -> list[str]:
    """The orders of `requests` consecutive requests, each as a string of the views' labels."""
    state = state if state is not None else ComboState()
    rng = random.Random(seed)
    return [
        "".join(views[i].label for i in order(strategy, views, state, rng, exploration=exploration))
        for _ in range(requests)
    ]


def labelled(**fields: list[Any]) -> list[TargetView]:
    """Views a, b, c, ... with the given field values: labelled(weight=[1, 2]) -> a has 1, b has 2."""
    count = len(next(iter(fields.values())))
    return [
        replace(TargetView(chr(ord("a") + n)), **{name: values[n] for name, values in fields.items()})
        for n in range(count)
    ]


# --- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", STRATEGIES)
def test_known_strategy_accepted(name: str) -> None:
    validate_strategy(name)


@pytest.mark.parametrize("name", ["fastest", "", "Priority", "round_robin", " priority"])
def test_unknown_strategy_rejected(name: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate_strategy(name)
    assert f"unknown strategy '{name}'" in caught.value.message
    assert all(known in caught.value.message for known in STRATEGIES)
    assert caught.value.param == "strategy"
    with pytest.raises(InvalidRequest):
        order(name, ABCD, ComboState(), random.Random(0))


@pytest.mark.parametrize("exploration", [-0.1, 1.5])
def test_exploration_out_of_range_rejected(exploration: float) -> None:
    with pytest.raises(ValueError, match="exploration"):
        order("auto", ABCD, ComboState(), random.Random(0), exploration=exploration)


# --- every strategy: a permutation ----------------------------------------------------------------

MIXED = [
    TargetView("a", weight=0.0, price_per_mtok=3.0, context_window=8000, latency_p95_ms=900.0),
    TargetView("b", weight=2.5, health=0.0, error_rate=0.5, recent_requests=4),
    TargetView("c", price_per_mtok=0.2, context_window=200_000, quota_headroom=0.1, recent_requests=1),
    TargetView("b", weight=1.0, latency_p95_ms=120.0),  # the same target listed twice
    TargetView("e", weight=0.5, price_per_mtok=0.0, context_window=1_000_000, recent_requests=9),
]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize(
    "views", [pytest.param([], id="none"), pytest.param(ABCD[:1], id="one"), pytest.param(MIXED, id="mixed")]
)
@pytest.mark.parametrize("exploration", [0.0, 0.5, 1.0])
def test_every_order_is_a_permutation(strategy: str, views: list[TargetView], exploration: float) -> None:
    state, rng = ComboState(), random.Random(3)
    for _ in range(25):
        got = order(strategy, views, state, rng, exploration=exploration)
        assert sorted(got) == list(range(len(views)))


# --- deterministic strategies: one table each -------------------------------------------------------


def test_priority_is_the_written_order() -> None:
    assert run("priority", ABCD, 3) == ["abcd", "abcd", "abcd"]


@pytest.mark.parametrize(
    ("views", "start", "expected"),
    [
        pytest.param(ABCD, 0, ["abcd", "bcda", "cdab", "dabc", "abcd"], id="four-over-five-requests"),
        pytest.param(ABCD[:3], 0, ["abc", "bca", "cab", "abc"], id="three"),
        pytest.param(ABCD[:1], 0, ["a", "a"], id="one"),
        pytest.param(ABCD, 6, ["cdab", "dabc", "abcd"], id="counter-resumes-from-state"),
        pytest.param(ABCD[:3], 4, ["bca", "cab"], id="counter-modulo-a-shrunk-combo"),
    ],
)
def test_round_robin(views: list[TargetView], start: int, expected: list[str]) -> None:
    state = ComboState(counter=start)
    assert run("round-robin", views, len(expected), state=state) == expected
    assert state.counter == start + len(expected)


def test_round_robin_counter_is_per_combo_state() -> None:
    one, two = ComboState(), ComboState()
    assert run("round-robin", ABCD, 2, state=one) == ["abcd", "bcda"]
    assert run("round-robin", ABCD, 1, state=two) == ["abcd"]
    assert run("round-robin", ABCD, 1, state=one) == ["cdab"]


@pytest.mark.parametrize(
    ("requests", "expected"),
    [
        pytest.param([5, 0, 2, 0], "bdca", id="fewest-first-ties-written"),
        pytest.param([0, 0, 0, 0], "abcd", id="all-equal"),
        pytest.param([3, 2, 1, 0], "dcba", id="reversed"),
    ],
)
def test_least_used(requests: list[object], expected: str) -> None:
    assert run("least-used", labelled(recent_requests=requests), 2) == [expected, expected]


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        pytest.param([3.0, 0.15, 10.0, 0.6], "bdac", id="cheapest-first"),
        pytest.param([None, 1.0, None, 0.5], "dbac", id="unknown-last-in-written-order"),
        pytest.param([1.0, 0.0, 1.0, 0.0], "bdac", id="free-first-ties-written"),
        pytest.param([None, None, None, None], "abcd", id="all-unknown"),
    ],
)
def test_cost_optimized(prices: list[object], expected: str) -> None:
    assert run("cost-optimized", labelled(price_per_mtok=prices), 1) == [expected]


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        pytest.param([8_000, 200_000, 1_000_000, 128_000], "cbda", id="largest-first"),
        pytest.param([None, 32_000, None, 128_000], "dbac", id="unknown-last-in-written-order"),
        pytest.param([64_000, 64_000, 128_000, 64_000], "cabd", id="ties-written"),
    ],
)
def test_context_optimized(windows: list[object], expected: str) -> None:
    assert run("context-optimized", labelled(context_window=windows), 1) == [expected]


@pytest.mark.parametrize(
    ("successes", "expected"),
    [
        pytest.param([], "abcd", id="none-yet-written-order"),
        pytest.param(["c"], "cabd", id="last-good-first"),
        pytest.param(["c", "b"], "bacd", id="the-latest-success-wins"),
        pytest.param(["gone/model"], "abcd", id="no-longer-in-combo"),
    ],
)
def test_lkgp(successes: list[str], expected: str) -> None:
    state = ComboState()
    for label in successes:
        record_success(state, label)
    assert run("lkgp", ABCD, 2, state=state) == [expected, expected]


def test_lkgp_leads_with_the_first_listing_of_a_target_listed_twice() -> None:
    views = [TargetView("a"), TargetView("b"), TargetView("a")]
    state = ComboState(last_good="a")
    assert order("lkgp", views, state, random.Random(0)) == [0, 1, 2]


# --- random strategies ------------------------------------------------------------------------------


def test_random_is_a_seeded_shuffle() -> None:
    assert run("random", ABCD, 4, seed=7) == ["dbac", "bcda", "badc", "dcab"]
    assert run("random", ABCD, 4, seed=7) == run("random", ABCD, 4, seed=7)


def test_random_is_uniform() -> None:
    leads = Counter(got[0] for got in run("random", ABCD, 10_000, seed=11))
    assert all(abs(leads[label] / 10_000 - 0.25) < 0.02 for label in "abcd"), leads


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_strict_random_each_target_leads_once_per_deck(seed: int) -> None:
    got = run("strict-random", ABCD, 8, seed=seed)
    for deck in (got[:4], got[4:]):
        assert sorted(o[0] for o in deck) == list("abcd")
    for o in got:  # the rest follow in written order
        assert o[1:] == "".join(label for label in "abcd" if label != o[0])


def test_strict_random_two_decks_seeded() -> None:
    state = ComboState()
    got = run("strict-random", ABCD, 8, seed=7, state=state)
    assert got == ["dabc", "bacd", "abcd", "cabd", "bacd", "cabd", "dabc", "abcd"]
    assert state.deck == []  # the second deck is used up: the next request reshuffles


@pytest.mark.parametrize(
    ("deck", "views", "expected_lead", "deck_after"),
    [
        pytest.param(["c", "a"], ABCD, "c", ["a"], id="resumes-persisted-deck"),
        pytest.param(["x", "b"], ABCD, "b", [], id="drops-cards-of-removed-targets"),
        pytest.param(["x"], ABCD[:2], None, None, id="deck-of-removed-targets-reshuffled"),
    ],
)
def test_strict_random_deck_state(
    deck: list[str], views: list[TargetView], expected_lead: str | None, deck_after: list[str] | None
) -> None:
    state = ComboState(deck=list(deck))
    got = run("strict-random", views, 1, state=state)[0]
    if expected_lead is not None:
        assert got[0] == expected_lead
        assert state.deck == deck_after
    else:  # a fresh deck of the current targets, one card already dealt
        assert sorted([got[0], *state.deck]) == [v.label for v in views]


@pytest.mark.parametrize(
    ("weights", "expected_lead_share"),
    [
        pytest.param([1, 1, 1, 1], [0.25, 0.25, 0.25, 0.25], id="equal-defaults"),
        pytest.param([1, 2, 3, 4], [0.1, 0.2, 0.3, 0.4], id="proportional"),
        pytest.param([3, 0, 1, 0], [0.75, 0.0, 0.25, 0.0], id="zero-never-leads"),
        pytest.param([0.5, 0.5, 9, 0], [0.05, 0.05, 0.9, 0.0], id="fractional"),
    ],
)
def test_weighted_lead_frequencies(weights: list[object], expected_lead_share: list[float]) -> None:
    leads = Counter(got[0] for got in run("weighted", labelled(weight=weights), 10_000, seed=5))
    for label, share in zip("abcd", expected_lead_share, strict=True):
        assert abs(leads[label] / 10_000 - share) < 0.015, (label, leads)


def test_weighted_is_without_replacement() -> None:
    """P(order x, y, z) = w_x / W * w_y / (W - w_x) for weights 1, 2, 3."""
    views = labelled(weight=[1, 2, 3])
    weights = {"a": 1, "b": 2, "c": 3}
    orders = Counter(run("weighted", views, 10_000, seed=9))
    for x, y, z in permutations("abc"):
        expected = weights[x] / 6 * weights[y] / (6 - weights[x])
        assert abs(orders[x + y + z] / 10_000 - expected) < 0.015, orders


def test_weighted_zero_weights_last_in_written_order() -> None:
    views = labelled(weight=[0, 1, 0, 2])
    assert all(got.endswith("ac") for got in run("weighted", views, 50))
    assert run("weighted", labelled(weight=[0, 0, 0]), 2) == ["abc", "abc"]


# --- auto -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("views", "expected"),
    [
        pytest.param(ABCD, "abcd", id="all-equal-written-order"),
        pytest.param(labelled(health=[1.0, 0.0, 0.5, 1.0]), "adcb", id="health-multiplies"),
        pytest.param(labelled(latency_p95_ms=[900.0, 300.0, None, 150.0]), "dbca", id="faster-first"),
        pytest.param(labelled(error_rate=[0.5, 0.0, 0.2, 0.9]), "bcad", id="fewer-errors-first"),
        pytest.param(labelled(price_per_mtok=[15.0, 0.15, None, 3.0]), "bcda", id="cheaper-first"),
        pytest.param(labelled(quota_headroom=[0.2, 1.0, 0.0, 0.6]), "bdac", id="more-headroom-first"),
        pytest.param(
            [
                TargetView("a", health=0.0, latency_p95_ms=50.0, price_per_mtok=0.1),  # breaker open
                TargetView("b", latency_p95_ms=400.0, error_rate=0.3, price_per_mtok=3.0),
                TargetView("c", latency_p95_ms=200.0, price_per_mtok=0.6, quota_headroom=0.05),
                TargetView("d", latency_p95_ms=250.0, error_rate=0.02, price_per_mtok=1.0),
            ],
            "dbca",  # c: fast and cheap, but its quota is nearly used up
            id="mixed-open-breaker-last",
        ),
    ],
)
def test_auto_without_exploration_is_deterministic(views: list[TargetView], expected: str) -> None:
    rng = random.Random(1)
    before = rng.getstate()
    state = ComboState()
    for _ in range(5):
        assert "".join(views[i].label for i in order("auto", views, state, rng, exploration=0.0)) == expected
    assert rng.getstate() == before  # no random number drawn


@pytest.mark.parametrize(
    ("view", "others", "expected"),
    [
        pytest.param(TargetView("x"), [], 0.35 * 0.5 + 0.30 + 0.15 * 0.5 + 0.20, id="unknowns-neutral"),
        pytest.param(
            TargetView("x", latency_p95_ms=200.0, price_per_mtok=2.0, error_rate=0.1, quota_headroom=0.5),
            [TargetView("y", latency_p95_ms=100.0, price_per_mtok=0.5)],
            0.35 * 0.5 + 0.30 * 0.9 + 0.15 * 0.25 + 0.20 * 0.5,
            id="relative-to-best",
        ),
        pytest.param(
            TargetView("x", health=0.5, latency_p95_ms=100.0, price_per_mtok=0.0),
            [TargetView("y", latency_p95_ms=300.0, price_per_mtok=0.001)],
            0.5 * (0.35 + 0.30 + 0.15 + 0.20),
            id="health-halves-free-is-best",
        ),
        pytest.param(
            TargetView("x", health=2.0, error_rate=-1.0, quota_headroom=3.0, latency_p95_ms=0.0, price_per_mtok=0.0),
            [],
            1.0,
            id="clamped",
        ),
    ],
)
def test_auto_score(view: TargetView, others: list[TargetView], expected: float) -> None:
    assert score([view, *others])[0] == pytest.approx(expected)


def test_auto_full_exploration_is_the_seeded_shuffle() -> None:
    views = labelled(health=[1.0, 0.9, 0.8, 0.7])  # the score order would be abcd
    got = run("auto", views, 6, seed=7, exploration=1.0)
    rng, expected = random.Random(7), []
    for _ in range(6):
        rng.random()  # the exploration draw
        shuffled = list("abcd")
        rng.shuffle(shuffled)
        expected.append("".join(shuffled))
    assert got == expected
    assert len(set(got)) > 1


def test_auto_explores_at_the_given_rate() -> None:
    """A shuffle matches the score order 1 time in 24, so a share e of explorations changes e*23/24."""
    views = labelled(health=[1.0, 0.9, 0.8, 0.7])
    for exploration in (0.05, 0.3):
        changed = sum(got != "abcd" for got in run("auto", views, 10_000, seed=13, exploration=exploration))
        assert abs(changed / 10_000 - exploration * 23 / 24) < 0.015, (exploration, changed)


# --- state ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        ComboState(),
        ComboState(counter=17, deck=["openai/gpt-4.1", "anthropic/claude"], last_good="gemini/flash"),
    ],
)
def test_combo_state_round_trip(state: ComboState) -> None:
    data = state.to_dict()
    assert ComboState.from_dict(json.loads(json.dumps(data))) == state
    data["deck"].append("x")  # the dict is a copy
    assert "x" not in state.deck


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param({}, ComboState(), id="empty"),
        pytest.param({"counter": 3}, ComboState(counter=3), id="partial"),
        pytest.param({"counter": "3", "deck": "ab", "last_good": 5}, ComboState(), id="wrong-types-take-defaults"),
        pytest.param({"counter": -1, "deck": ["a", 2, "b"]}, ComboState(deck=["a", "b"]), id="bad-items"),
        pytest.param({"counter": True}, ComboState(), id="bool-is-not-a-counter"),
        pytest.param({"counter": 1, "extra": "kept out"}, ComboState(counter=1), id="unknown-ignored"),
    ],
)
def test_combo_state_from_dict_is_lenient(data: dict[str, object], expected: ComboState) -> None:
    assert ComboState.from_dict(data) == expected


def test_state_survives_persistence_between_requests() -> None:
    """Round-robin and strict-random carry on from a state saved and loaded between requests."""
    state = ComboState()
    rng = random.Random(4)
    leads = []
    for _ in range(8):
        state = ComboState.from_dict(json.loads(json.dumps(state.to_dict())))
        leads.append(ABCD[order("strict-random", ABCD, state, rng)[0]].label)
        order("round-robin", ABCD, state, rng)
    assert sorted(leads[:4]) == sorted(leads[4:]) == list("abcd")
    assert state.counter == 8
