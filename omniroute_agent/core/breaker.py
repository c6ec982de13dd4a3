"""A circuit breaker per provider: stop sending to a provider that keeps failing, probe it later.

    closed     every request goes through; `failures` consecutive counted failures open it (a
               success resets the count).
    open       `allow` answers False for `open_seconds`. Outcomes reported while open (requests
               that were already in flight) change nothing.
    half-open  once `open_seconds` have passed. `allow` answers True to exactly one caller at a
               time, who takes the probe: its success closes the circuit, its failure opens it
               for another `open_seconds`. A probe whose outcome says nothing about the provider
               (the caller's own 400, a cancelled request) is handed back with `release`; a probe
               not reported within `probe_timeout` is presumed lost and the next caller probes.
               Any outcome reported in half-open decides, the probe's or a straggler's.

The caller decides which failures count: provider-wide ones (5xx, timeouts, no answer), not an
account's own 401/403/429, which the account cooldowns handle.

Persistence: time inside is the injected monotonic `clock`; `snapshot()` writes an open circuit's
deadline as wall-clock Unix time (the injected `wall`) and `restore()` turns it back, so an open
circuit stays open across a restart (and is half-open if its time ran out meanwhile). A probe in
flight is not persisted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypedDict

State = Literal["closed", "open", "half-open"]


@dataclass(frozen=True, slots=True)
class BreakerSettings:
    failures: int = 5  # consecutive counted failures that open the circuit
    open_seconds: float = 30.0  # how long it stays open before a probe
    probe_timeout: float = 60.0  # a probe not reported by then is presumed lost

    def __post_init__(self) -> None:
        if self.failures < 1:
            raise ValueError(f"failures must be at least 1, not {self.failures}")
        for name in ("open_seconds", "probe_timeout"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number of seconds >= 0, not {value}")


class CircuitEntry(TypedDict):
    provider: str
    state: State
    failures: int  # consecutive counted failures
    until: float | None  # wall-clock Unix time the open period ends; None when closed


class BreakerSnapshot(TypedDict):
    saved_at: float  # wall-clock Unix time
    circuits: list[CircuitEntry]


@dataclass(slots=True)
class _Circuit:
    failures: int = 0
    open_until: float | None = None  # monotonic; None: closed
    probe_since: float | None = None  # monotonic; when the half-open probe was handed out


@dataclass(slots=True)
class Breaker:
    settings: BreakerSettings = field(default_factory=BreakerSettings)
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    _circuits: dict[str, _Circuit] = field(default_factory=dict)

    def state(self, provider_id: str) -> State:
        return self._state(self._circuits.get(provider_id), self.clock())

    def allow(self, provider_id: str) -> bool:
        """May a request go to this provider now? In half-open a True hands the caller the probe."""
        circuit, now = self._circuits.get(provider_id), self.clock()
        state = self._state(circuit, now)
        if circuit is None or state == "closed":
            return True
        if state == "open":
            return False
        if circuit.probe_since is not None and now - circuit.probe_since < self.settings.probe_timeout:
            return False
        circuit.probe_since = now
        return True

    def record_success(self, provider_id: str) -> None:
        if self.state(provider_id) != "open":
            self._circuits.pop(provider_id, None)

    def record_failure(self, provider_id: str) -> None:
        now = self.clock()
        circuit = self._circuits.setdefault(provider_id, _Circuit())
        state = self._state(circuit, now)
        if state == "open":
            return
        circuit.failures += 1
        if state == "half-open" or circuit.failures >= self.settings.failures:
            circuit.open_until = now + self.settings.open_seconds
            circuit.probe_since = None

    def release(self, provider_id: str) -> None:
        """Hands back a half-open probe that ended without saying anything about the provider."""
        circuit = self._circuits.get(provider_id)
        if circuit is not None:
            circuit.probe_since = None

    def snapshot(self) -> BreakerSnapshot:
        """Every circuit that is not closed with no failures, JSON-serialisable."""
        now, wall = self.clock(), self.wall()
        entries: list[CircuitEntry] = [
            {
                "provider": pid,
                "state": self._state(c, now),
                "failures": c.failures,
                "until": None if c.open_until is None else round(wall + (c.open_until - now), 3),
            }
            for pid, c in self._circuits.items()
        ]
        return {"saved_at": round(wall, 3), "circuits": entries}

    def restore(self, snapshot: BreakerSnapshot, now: float | None = None) -> None:
        """Replaces every circuit with a snapshot's; `now` is the wall-clock time (default `wall`).
        Malformed entries are skipped."""
        wall, mono = (self.wall() if now is None else now), self.clock()
        circuits = snapshot.get("circuits") if isinstance(snapshot, Mapping) else None
        self._circuits = {}
        for entry in circuits if isinstance(circuits, list) else []:
            parsed = _parse_entry(entry)
            if parsed is not None:
                pid, failures, until = parsed
                self._circuits[pid] = _Circuit(failures, None if until is None else mono + (until - wall))

    @staticmethod
    def _state(circuit: _Circuit | None, now: float) -> State:
        if circuit is None or circuit.open_until is None:
            return "closed"
        return "open" if now < circuit.open_until else "half-open"


def _parse_entry(entry: object) -> tuple[str, int, float | None] | None:
    if not isinstance(entry, Mapping):
        return None
    pid, failures, until = (entry.get(k) for k in ("provider", "failures", "until"))
    if not isinstance(pid, str) or isinstance(failures, bool) or not isinstance(failures, int) or failures < 0:
        return None
    if until is None:
        return pid, failures, None
    if isinstance(until, bool) or not isinstance(until, int | float) or not math.isfinite(until):
        return None
    return pid, failures, float(until)
