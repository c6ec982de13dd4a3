"""Accounts inside a provider: which connection (API key) a request tries first, and cooldowns.

Selection: `order(provider, model=...)` returns (ready, cooling). Only enabled connections appear,
ranked by `priority` (lower number first, ties in configured order). `ready` is ordered by the
strategy; `cooling` is every connection still cooling down for that model, soonest ready first
(ties by priority).

    fill-first    the highest-priority ready connection first, then the next: a lower-priority key
                  serves only while every higher one is cooling down.
    round-robin   rotate over the enabled connections; the rotation starts one further on every
                  `sticky` requests (calls to `order` for that provider), so one connection serves
                  `sticky` consecutive requests. A cooling connection keeps its place in the
                  rotation and is skipped until it is ready.
    p2c           power of two choices: two distinct ready connections drawn with the injected rng;
                  the lower score leads (ties: priority), then every other ready one by priority.
                      score = level(connection) + level(connection, model) + (1 - headroom)
                  level is the key's backoff level (consecutive failures, 0 after a success) and
                  headroom the fraction of quota left as last reported with `set_headroom` (1.0
                  when unknown), so one recent failure outweighs any difference in headroom.
    random        a uniform shuffle of the ready connections (the injected rng).
    least-used    fewest requests so far first (ties: priority). A request counts for the
                  connection `order` put first; counts are kept for every strategy, in memory.

Cooldowns. A failure cools one key: the connection, or (connection, model) when the caller says
the quota is per model (`per_model=True`). A request for a model waits for both keys.

    seconds = max(ladder, retry_after)      ladder = min(max(cap, base), base * 2**level)

With the defaults (base 1 s, cap 120 s) a key's consecutive failures cool it 1, 2, 4, ..., 64, 120,
120 s. `level` counts the key's failures since its last success; `succeeded(connection, model)`
resets the connection key and that (connection, model) key to level 0 and ends their cooldowns.
`retry_after` (the provider's own wait) wins when it is longer; it is capped at `max_retry_after`
(a day) and ignored when negative or not finite. `base` is a class-specific first step chosen by
the caller (AUTH_COOLDOWN_S for a rejected key, QUOTA_COOLDOWN_S for an exhausted quota); a base
above the cap is a flat cooldown. A failure reported while its key is still cooling (a request
that was already in flight) repeats the current step: the level stays, the deadline only moves later.

Persistence: time inside is the injected monotonic `clock`; `snapshot()` writes each key's deadline
as wall-clock Unix time (the injected `wall`), and `restore()` turns it back into monotonic time,
so cooldowns and levels survive a restart (a deadline already past keeps its level). Rotation
cursors, use counts and headroom start afresh.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, TypedDict, get_args

from omniroute_agent.core.table import Provider
from omniroute_agent.store.base import ConnectionRow

Strategy = Literal["fill-first", "round-robin", "p2c", "random", "least-used"]
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)

DEFAULT_COOLDOWN_S = 1.0  # the first step of the ladder
MAX_BACKOFF_S = 120.0
AUTH_COOLDOWN_S = 300.0  # a suggested `base` for a key the provider rejected (401/403)
QUOTA_COOLDOWN_S = 3600.0  # a suggested `base` for an exhausted quota
MAX_RETRY_AFTER_S = 86400.0
_MAX_LEVEL = 64  # 2**64 steps is past any cap; keeps the arithmetic and the snapshot small


@dataclass(frozen=True, slots=True)
class AccountSettings:
    strategy: Strategy = "round-robin"
    sticky: int = 1  # round-robin: consecutive requests per connection
    base: float = DEFAULT_COOLDOWN_S
    cap: float = MAX_BACKOFF_S
    max_retry_after: float = MAX_RETRY_AFTER_S

    def __post_init__(self) -> None:
        _check_strategy(self.strategy)
        if self.sticky < 1:
            raise ValueError(f"sticky must be at least 1, not {self.sticky}")
        _check_seconds("base", self.base)
        _check_seconds("cap", self.cap)
        _check_seconds("max_retry_after", self.max_retry_after)


class CooldownEntry(TypedDict):
    connection: str
    model: str | None  # None: the whole connection
    level: int
    until: float  # wall-clock Unix time the cooldown ends (past when it has ended)
    left: float  # seconds left when the snapshot was taken, 0 when ready


class AccountsSnapshot(TypedDict):
    saved_at: float  # wall-clock Unix time
    cooldowns: list[CooldownEntry]


@dataclass(slots=True)
class _Backoff:
    level: int = 0
    until: float = 0.0  # monotonic


_Key = tuple[str, str | None]  # (connection id, model or None for the whole connection)


@dataclass(frozen=True, slots=True)
class _Pick:
    """What a strategy may look at besides the connections."""

    call: int  # how many times `order` ran for this provider before
    sticky: int
    rng: random.Random
    uses: Mapping[str, int]
    score: Callable[[ConnectionRow], float]


@dataclass(slots=True)
class Accounts:
    settings: AccountSettings = field(default_factory=AccountSettings)
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    rng: random.Random = field(default_factory=random.Random)
    _keys: dict[_Key, _Backoff] = field(default_factory=dict)
    _calls: dict[str, int] = field(default_factory=dict)
    _uses: dict[str, int] = field(default_factory=dict)
    _headroom: dict[str, float] = field(default_factory=dict)

    def order(
        self, provider: Provider, *, model: str | None, strategy: Strategy | None = None
    ) -> tuple[list[ConnectionRow], list[ConnectionRow]]:
        """(ready, cooling) for one request; `strategy` overrides the settings' one for this call."""
        name = _check_strategy(strategy or self.settings.strategy)
        enabled = sorted(provider.enabled_connections, key=lambda c: c.priority)
        if not enabled:
            return [], []
        now = self.clock()
        left = {c.id: self._left(c.id, model, now) for c in enabled}
        ready = [c for c in enabled if left[c.id] <= 0]
        cooling = sorted((c for c in enabled if left[c.id] > 0), key=lambda c: left[c.id])
        call = self._calls.get(provider.id, 0)
        self._calls[provider.id] = call + 1
        pick = _Pick(call, self.settings.sticky, self.rng, self._uses, lambda c: self._score(c.id, model))
        ranked = _ORDERS[name](ready, enabled, pick)
        if ranked:
            self._uses[ranked[0].id] = self._uses.get(ranked[0].id, 0) + 1
        return ranked, cooling

    def failed(
        self,
        connection_id: str,
        *,
        model: str | None,
        retry_after: float | None,
        base: float | None = None,
        per_model: bool = False,
    ) -> float:
        """Cools the key down; returns the seconds until it is ready again."""
        if base is not None:
            _check_seconds("base", base)
        now = self.clock()
        key = (connection_id, model if per_model else None)
        state = self._keys.setdefault(key, _Backoff())
        if state.until > now:  # already cooling: the same step again, never shorter
            seconds = self._seconds(max(0, state.level - 1), base, retry_after)
            state.until = max(state.until, now + seconds)
        else:
            state.until = now + self._seconds(state.level, base, retry_after)
            state.level = min(state.level + 1, _MAX_LEVEL)
        return state.until - now

    def succeeded(self, connection_id: str, model: str | None) -> None:
        self._keys.pop((connection_id, None), None)
        if model is not None:
            self._keys.pop((connection_id, model), None)

    def cooldown_left(self, connection_id: str, model: str | None) -> float:
        """Seconds until the connection may serve `model` (None: any model it has no own cooldown for)."""
        return self._left(connection_id, model, self.clock())

    def set_headroom(self, connection_id: str, fraction: float | None) -> None:
        """The fraction of the connection's quota left (0..1, clamped), for p2c; None forgets it."""
        if fraction is None or not math.isfinite(fraction):
            self._headroom.pop(connection_id, None)
        else:
            self._headroom[connection_id] = min(1.0, max(0.0, fraction))

    def headroom_of(self, connections: Sequence[ConnectionRow]) -> float:
        """The best quota headroom among `connections` (1.0 where nothing is known)."""
        return max((self._headroom.get(c.id, 1.0) for c in connections), default=1.0)

    def known_headroom(self, connection_id: str) -> float | None:
        """The quota fraction last reported for the connection (0..1), None when none was reported."""
        return self._headroom.get(connection_id)

    def cooling(self) -> dict[str, float]:
        """For health: connection id -> seconds until its longest cooldown (its own or a model's) ends."""
        now = self.clock()
        left: dict[str, float] = {}
        for (cid, _), state in self._keys.items():
            if state.until > now:
                left[cid] = round(max(left.get(cid, 0.0), state.until - now), 3)
        return left

    def snapshot(self) -> AccountsSnapshot:
        """Every key with a backoff level, JSON-serialisable: for health and for persistence."""
        now, wall = self.clock(), self.wall()
        entries: list[CooldownEntry] = [
            {
                "connection": cid,
                "model": model,
                "level": state.level,
                "until": round(wall + (state.until - now), 3),
                "left": round(max(0.0, state.until - now), 3),
            }
            for (cid, model), state in self._keys.items()
            if state.level > 0
        ]
        return {"saved_at": round(wall, 3), "cooldowns": entries}

    def restore(self, snapshot: AccountsSnapshot, now: float | None = None) -> None:
        """Replaces the cooldown table with a snapshot's; `now` is the wall-clock time (default `wall`).
        Malformed entries (a hand-edited or older file) are skipped."""
        wall, mono = (self.wall() if now is None else now), self.clock()
        cooldowns = snapshot.get("cooldowns") if isinstance(snapshot, Mapping) else None
        self._keys = {}
        for entry in cooldowns if isinstance(cooldowns, list) else []:
            parsed = _parse_entry(entry)
            if parsed is not None:
                key, level, until = parsed
                self._keys[key] = _Backoff(level, mono + (until - wall))

    def _left(self, connection_id: str, model: str | None, now: float) -> float:
        left = 0.0
        for key in ((connection_id, None), (connection_id, model)):  # the same key twice when model is None
            state = self._keys.get(key)
            if state is not None:
                left = max(left, state.until - now)
        return left

    def _level(self, key: _Key) -> int:
        state = self._keys.get(key)
        return state.level if state else 0

    def _score(self, connection_id: str, model: str | None) -> float:
        levels = self._level((connection_id, None)) + (self._level((connection_id, model)) if model is not None else 0)
        return levels + (1.0 - self._headroom.get(connection_id, 1.0))

    def _seconds(self, level: int, base: float | None, retry_after: float | None) -> float:
        step = self.settings.base if base is None else base
        ladder = min(max(self.settings.cap, step), step * 2.0**level)
        if retry_after is None or not math.isfinite(retry_after) or retry_after < 0:
            return ladder
        return max(ladder, min(retry_after, self.settings.max_retry_after))


def _fill_first(ready: list[ConnectionRow], enabled: list[ConnectionRow], pick: _Pick) -> list[ConnectionRow]:
    return list(ready)


def _round_robin(ready: list[ConnectionRow], enabled: list[ConnectionRow], pick: _Pick) -> list[ConnectionRow]:
    start = (pick.call // pick.sticky) % len(enabled)
    ready_ids = {c.id for c in ready}
    return [c for c in enabled[start:] + enabled[:start] if c.id in ready_ids]


def _p2c(ready: list[ConnectionRow], enabled: list[ConnectionRow], pick: _Pick) -> list[ConnectionRow]:
    if len(ready) < 2:
        return list(ready)
    pair = pick.rng.sample(range(len(ready)), 2)
    lead = min(pair, key=lambda i: (pick.score(ready[i]), i))  # i is the priority rank
    return [ready[lead], *(c for i, c in enumerate(ready) if i != lead)]


def _random(ready: list[ConnectionRow], enabled: list[ConnectionRow], pick: _Pick) -> list[ConnectionRow]:
    shuffled = list(ready)
    pick.rng.shuffle(shuffled)
    return shuffled


def _least_used(ready: list[ConnectionRow], enabled: list[ConnectionRow], pick: _Pick) -> list[ConnectionRow]:
    return sorted(ready, key=lambda c: pick.uses.get(c.id, 0))  # stable: ties keep priority order


_ORDERS: dict[Strategy, Callable[[list[ConnectionRow], list[ConnectionRow], _Pick], list[ConnectionRow]]] = {
    "fill-first": _fill_first,
    "round-robin": _round_robin,
    "p2c": _p2c,
    "random": _random,
    "least-used": _least_used,
}


def _check_strategy(name: str) -> Strategy:
    for known in STRATEGIES:
        if name == known:
            return known
    raise ValueError(f"unknown account strategy '{name}' (known: {', '.join(STRATEGIES)})")


def _check_seconds(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of seconds >= 0, not {value}")


def _parse_entry(entry: object) -> tuple[_Key, int, float] | None:
    if not isinstance(entry, Mapping):
        return None
    cid, model, level, until = (entry.get(k) for k in ("connection", "model", "level", "until"))
    if not isinstance(cid, str) or not (model is None or isinstance(model, str)):
        return None
    if isinstance(level, bool) or not isinstance(level, int) or level < 1:
        return None
    if isinstance(until, bool) or not isinstance(until, int | float) or not math.isfinite(until):
        return None
    return (cid, model), min(level, _MAX_LEVEL), float(until)
