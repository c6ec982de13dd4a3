"""Two ways one upstream call serves several requests.

    Idempotency   a request repeated with the same `Idempotency-Key` within `ttl_s` gets the first
                  request's answer (waiting for it if it is still running); the same key with a
                  different body is refused, since the caller has mixed two requests up.
    SingleFlight  identical non-streaming requests at temperature 0 that arrive while the first is
                  running share its upstream call (deterministic requests, one answer).

Both are in memory and bounded; only successful answers are kept for replay. `stats()` counts the
entries, `clear()` forgets them: a request already waiting on a forgotten call still gets its
answer, the next one starts afresh.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from omniroute_agent.errors import GatewayError

T = TypeVar("T")


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


class IdempotencyConflict(GatewayError):
    status = 422
    code = "idempotency_key_reused"
    type = "invalid_request_error"


@dataclass(frozen=True, slots=True)
class CacheStats:
    entries: int
    capacity: int | None  # None: not bounded by a count


@dataclass(slots=True)
class _Slot(Generic[T]):
    fingerprint: str
    future: asyncio.Future[T]
    expires: float


@dataclass(slots=True)
class Idempotency(Generic[T]):
    ttl_s: float = 600.0
    max_entries: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _slots: OrderedDict[str, _Slot[T]] = field(default_factory=OrderedDict)

    async def run(self, key: str, body_fingerprint: str, call: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """(answer, replayed): replayed is True when the answer is the first request's."""
        now = self.clock()
        slot = self._slots.get(key)
        if slot is not None and slot.expires > now:
            if slot.fingerprint != body_fingerprint:
                raise IdempotencyConflict(f"Idempotency-Key '{key}' was already used for a different request")
            return await asyncio.shield(slot.future), True
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        mine = self._slots[key] = _Slot(body_fingerprint, future, now + self.ttl_s)
        self._trim(now)
        try:
            result = await call()
        except BaseException as exc:
            if self._slots.get(key) is mine:
                del self._slots[key]  # a failure is not remembered: the caller may retry
            future.set_exception(exc) if not isinstance(exc, asyncio.CancelledError) else future.cancel()
            future.exception() if not future.cancelled() else None  # mark retrieved
            raise
        future.set_result(result)
        return result, False

    def stats(self) -> CacheStats:
        now = self.clock()
        return CacheStats(sum(1 for s in self._slots.values() if s.expires > now), self.max_entries)

    def clear(self) -> int:
        """Forgets every remembered answer; how many were still live."""
        self._trim(self.clock())
        cleared = len(self._slots)
        self._slots.clear()
        return cleared

    def _trim(self, now: float) -> None:
        for key in [k for k, s in self._slots.items() if s.expires <= now]:
            del self._slots[key]
        while len(self._slots) > self.max_entries:
            self._slots.popitem(last=False)


@dataclass(slots=True)
class SingleFlight(Generic[T]):
    _running: dict[str, asyncio.Future[T]] = field(default_factory=dict)

    async def run(self, key: str, call: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """(answer, shared): shared is True for a request that waited on another's call."""
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running), True
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            result = await call()
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # mark retrieved: followers re-raise it, none may be waiting
            raise
        finally:
            if self._running.get(key) is future:
                del self._running[key]
        future.set_result(result)
        return result, False

    def stats(self) -> CacheStats:
        return CacheStats(len(self._running), None)

    def clear(self) -> int:
        """Forgets the calls in flight (they finish and answer their followers); how many there were."""
        cleared = len(self._running)
        self._running.clear()
        return cleared
