"""Combo strategies: the order in which the gateway tries a combo's targets for ONE request.

The caller turns the combo's resolved targets (`resolve.Target`, in the combo's written order) into
`TargetView`s, what is known about each target right now, and asks `order(...)` for a permutation of
their indexes. Nothing here does I/O or reads a clock: randomness comes from the injected
`random.Random`, memory between requests lives in the combo's `ComboState` (JSON via `to_dict`).
Ties always keep the written order.

priority           the written order.
weighted           a weighted random order without replacement: the first target is drawn with
                   probability weight / sum of weights, the next among those left, and so on
                   (exponential clocks: key = Exp(weight), smallest first). A weight of 0 (or below)
                   puts the target last, zero-weight targets in written order.
round-robin        the written order rotated by one more each request: request k starts at target
                   k mod n (`state.counter` counts the requests).
random             a uniform shuffle per request.
strict-random      a shuffled deck of the targets' labels per combo: each request leads with the next
                   card, the others follow in written order. Every target leads exactly once per deck;
                   an empty deck is reshuffled. Cards of targets no longer in the combo are dropped;
                   a target added to the combo joins at the next reshuffle.
least-used         fewest requests in the recent window (`recent_requests`) first.
cost-optimized     cheapest first by `price_per_mtok` (USD per 1M tokens, input/output blended);
                   an unknown price goes last.
lkgp               the last known good target (`state.last_good`, set by `record_success`) first, then
                   the others in written order; the written order when it is unknown or gone.
context-optimized  the largest `context_window` first; an unknown window goes last.
auto               highest score first (`score` below). With probability `exploration` (default 0.05)
                   the order is a uniform shuffle instead, so that targets the score ranks low still
                   get measured. `exploration=0` is deterministic and draws no random number.

The `auto` score of target i, in [0, 1]:

    score_i = health_i * (0.35 * L_i + 0.30 * (1 - error_rate_i) + 0.15 * C_i + 0.20 * quota_headroom_i)

    L_i = max(min_p95, 1 ms) / max(p95_i, 1 ms)      latency relative to the fastest known target
    C_i = max(min_price, 0.01) / max(price_i, 0.01)  cost relative to the cheapest known target

`health` (0 when the target's breaker is open or all its connections cool down), `error_rate` and
`quota_headroom` are already in 0..1 and are clamped there. `min_p95` and `min_price` are taken
over the targets whose value is known; a target whose latency or price is unknown scores a neutral
0.5 on that term. Both ratios are 1 for the best target and fall with distance from it (twice as
slow: 0.5); the floors keep free models and sub-millisecond latencies from dividing by zero.
Health multiplies, so an unhealthy target goes last whatever its other terms.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from omniroute_agent.errors import InvalidRequest

STRATEGIES: tuple[str, ...] = (
    "priority",
    "weighted",
    "round-robin",
    "random",
    "strict-random",
    "least-used",
    "cost-optimized",
    "lkgp",
    "context-optimized",
    "auto",
)
DEFAULT_EXPLORATION = 0.05
AUTO_WEIGHTS = {"latency": 0.35, "errors": 0.30, "cost": 0.15, "quota": 0.20}
NEUTRAL = 0.5  # the auto term of an unknown latency or price
LATENCY_FLOOR_MS = 1.0
PRICE_FLOOR = 0.01  # USD per 1M tokens


@dataclass(frozen=True, slots=True)
class TargetView:
    """What the strategies may know about a target right now."""

    label: str  # "provider/model"
    weight: float = 1.0
    price_per_mtok: float | None = None
    context_window: int | None = None
    health: float = 1.0  # 0..1
    latency_p95_ms: float | None = None
    error_rate: float = 0.0  # 0..1 over the recent window
    recent_requests: int = 0
    quota_headroom: float = 1.0  # 0..1


class ComboStateDict(TypedDict):
    counter: int
    deck: list[str]
    last_good: str | None


@dataclass(slots=True)
class ComboState:
    """What a combo remembers between requests (persisted by the caller as JSON)."""

    counter: int = 0  # round-robin: requests ordered so far
    deck: list[str] = field(default_factory=list)  # strict-random: the labels still to lead
    last_good: str | None = None  # lkgp: the label of the last target that answered

    def to_dict(self) -> ComboStateDict:
        return {"counter": self.counter, "deck": list(self.deck), "last_good": self.last_good}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ComboState:
        """Lenient: a missing or malformed field takes its default (a stale state never blocks routing)."""
        counter, deck, last_good = data.get("counter"), data.get("deck"), data.get("last_good")
        return cls(
            counter if isinstance(counter, int) and not isinstance(counter, bool) and counter >= 0 else 0,
            [c for c in deck if isinstance(c, str)] if isinstance(deck, list) else [],
            last_good if isinstance(last_good, str) else None,
        )


def validate_strategy(name: str) -> None:
    """Rejects a strategy name `order` does not know (called when a combo is saved)."""
    if name not in STRATEGIES:
        raise InvalidRequest(f"unknown strategy '{name}' (supported: {', '.join(STRATEGIES)})", param="strategy")


def order(
    strategy: str,
    views: Sequence[TargetView],
    state: ComboState,
    rng: random.Random,
    *,
    exploration: float = DEFAULT_EXPLORATION,
) -> list[int]:
    """The indexes of `views` in the order to try them for one request (a permutation)."""
    validate_strategy(strategy)
    if not 0.0 <= exploration <= 1.0:
        raise ValueError(f"exploration must be in [0, 1], not {exploration}")
    if not views:
        return []
    return _ORDERS[strategy](views, state, rng, exploration)


def record_success(state: ComboState, label: str) -> None:
    """The target `label` answered for this combo: lkgp leads with it next time."""
    state.last_good = label


def score(views: Sequence[TargetView]) -> list[float]:
    """The `auto` score of each view (formula in the module docstring)."""
    p95s = [v.latency_p95_ms for v in views if v.latency_p95_ms is not None]
    prices = [v.price_per_mtok for v in views if v.price_per_mtok is not None]
    best_p95 = max(min(p95s, default=0.0), LATENCY_FLOOR_MS)
    best_price = max(min(prices, default=0.0), PRICE_FLOOR)
    w = AUTO_WEIGHTS
    scores: list[float] = []
    for v in views:
        latency = NEUTRAL if v.latency_p95_ms is None else best_p95 / max(v.latency_p95_ms, LATENCY_FLOOR_MS)
        cost = NEUTRAL if v.price_per_mtok is None else best_price / max(v.price_per_mtok, PRICE_FLOOR)
        total = (
            w["latency"] * latency
            + w["errors"] * (1.0 - _unit(v.error_rate))
            + w["cost"] * cost
            + w["quota"] * _unit(v.quota_headroom)
        )
        scores.append(_unit(v.health) * total)
    return scores


def _unit(x: float) -> float:
    return min(1.0, max(0.0, x))


def _written(views: Sequence[TargetView]) -> list[int]:
    return list(range(len(views)))


def _priority(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    return _written(views)


def _weighted(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    live = [i for i, v in enumerate(views) if v.weight > 0]
    clocks = {i: rng.expovariate(views[i].weight) for i in live}
    return sorted(live, key=clocks.__getitem__) + [i for i, v in enumerate(views) if v.weight <= 0]


def _round_robin(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    start = state.counter % len(views)
    state.counter += 1
    written = _written(views)
    return written[start:] + written[:start]


def _random(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    shuffled = _written(views)
    rng.shuffle(shuffled)
    return shuffled


def _strict_random(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    first = _first_index(views)
    state.deck = [label for label in state.deck if label in first]
    if not state.deck:
        state.deck = list(first)
        rng.shuffle(state.deck)
    return _lead_with(views, first[state.deck.pop(0)])


def _least_used(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    return sorted(_written(views), key=lambda i: views[i].recent_requests)


def _cost(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    return _known_first(views, lambda v: v.price_per_mtok)


def _lkgp(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    lead = _first_index(views).get(state.last_good or "")
    return _written(views) if lead is None else _lead_with(views, lead)


def _context(views: Sequence[TargetView], state: ComboState, rng: random.Random, _: float) -> list[int]:
    return _known_first(views, lambda v: None if v.context_window is None else -v.context_window)


def _auto(views: Sequence[TargetView], state: ComboState, rng: random.Random, exploration: float) -> list[int]:
    if exploration > 0 and rng.random() < exploration:
        return _random(views, state, rng, exploration)
    scores = score(views)
    return sorted(_written(views), key=lambda i: -scores[i])


def _first_index(views: Sequence[TargetView]) -> dict[str, int]:
    """Each label's first index (a combo may list the same target twice)."""
    first: dict[str, int] = {}
    for i, v in enumerate(views):
        first.setdefault(v.label, i)
    return first


def _lead_with(views: Sequence[TargetView], lead: int) -> list[int]:
    return [lead, *(i for i in _written(views) if i != lead)]


def _known_first(views: Sequence[TargetView], key: Callable[[TargetView], float | None]) -> list[int]:
    """Ascending by key; a None key goes last. The sort is stable: ties keep the written order."""
    keys = [key(v) for v in views]
    return sorted(_written(views), key=lambda i: (keys[i] is None, keys[i] or 0.0))


_Order = Callable[[Sequence[TargetView], ComboState, random.Random, float], list[int]]
_ORDERS: dict[str, _Order] = {
    "priority": _priority,
    "weighted": _weighted,
    "round-robin": _round_robin,
    "random": _random,
    "strict-random": _strict_random,
    "least-used": _least_used,
    "cost-optimized": _cost,
    "lkgp": _lkgp,
    "context-optimized": _context,
    "auto": _auto,
}
