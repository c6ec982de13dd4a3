"""stats() and clear() of the gateway's in-memory caches (core/dedupe.py, core/replay.py): what
omniroute_cache_stats and omniroute_cache_flush report and do."""

from __future__ import annotations

import asyncio

import pytest

from omniroute_agent.core.dedupe import CacheStats, Idempotency, SingleFlight
from omniroute_agent.core.replay import ReplayCache
from omniroute_agent.translate.hub import ChatRequest, ChatResponse

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def answer(value: str) -> str:
    return value


async def test_idempotency_counts_live_answers_and_clear_forgets_them():
    clock = Clock()
    cache: Idempotency[str] = Idempotency(ttl_s=10, max_entries=50, clock=clock)
    await cache.run("k1", "body", lambda: answer("one"))
    clock.now += 5
    await cache.run("k2", "body", lambda: answer("two"))
    assert cache.stats() == CacheStats(2, 50)
    clock.now += 6  # k1 expired, k2 live
    assert cache.stats() == CacheStats(1, 50)
    assert cache.clear() == 1
    assert cache.stats() == CacheStats(0, 50)
    assert await cache.run("k2", "body", lambda: answer("fresh")) == ("fresh", False), "not replayed after a clear"


async def test_a_failure_after_a_clear_does_not_drop_the_newer_answer():
    cache: Idempotency[str] = Idempotency()
    started, release = asyncio.Event(), asyncio.Event()

    async def failing() -> str:
        started.set()
        await release.wait()
        raise RuntimeError("upstream down")

    first = asyncio.create_task(cache.run("k", "body", failing))
    await started.wait()
    cache.clear()
    assert await cache.run("k", "body", lambda: answer("second")) == ("second", False)
    release.set()
    with pytest.raises(RuntimeError):
        await first
    assert await cache.run("k", "body", lambda: answer("third")) == ("second", True)


async def test_singleflight_clear_forgets_calls_in_flight_without_failing_them():
    flight: SingleFlight[str] = SingleFlight()
    release = asyncio.Event()

    async def slow(value: str) -> str:
        await release.wait()
        return value

    leader = asyncio.create_task(flight.run("same", lambda: slow("first")))
    await asyncio.sleep(0)
    follower = asyncio.create_task(flight.run("same", lambda: slow("unused")))
    await asyncio.sleep(0)
    assert flight.stats() == CacheStats(1, None)
    assert flight.clear() == 1
    fresh = asyncio.create_task(flight.run("same", lambda: slow("second")))
    await asyncio.sleep(0)
    assert flight.stats() == CacheStats(1, None), "the next identical request starts its own call"
    release.set()
    assert await leader == ("first", False)
    assert await follower == ("first", True), "a request already waiting still gets its answer"
    assert await fresh == ("second", False)
    assert flight.stats() == CacheStats(0, None)


def call(call_id: str, **extra: str) -> dict[str, object]:
    return {"id": call_id, "type": "function", "function": {"name": "f", "arguments": "{}"}, **extra}


def signed(call_id: str) -> ChatResponse:
    message = {"role": "assistant", "content": None, "tool_calls": [call(call_id, signature="sig")]}
    return {"choices": [{"index": 0, "message": message}]}  # type: ignore[typeddict-item]


def test_replay_counts_remembered_calls_and_clear_forgets_them():
    cache = ReplayCache(max_entries=2)
    for n in range(3):
        cache.remember(signed(f"call_{n}"))
    assert cache.stats() == CacheStats(2, 2), "bounded: the oldest is forgotten"
    history: ChatRequest = {"messages": [{"role": "assistant", "content": None, "tool_calls": [call("call_2")]}]}  # type: ignore[list-item]
    assert cache.restore(history)["messages"][0]["tool_calls"][0]["signature"] == "sig"  # type: ignore[typeddict-item]
    assert cache.clear() == 2
    assert cache.stats() == CacheStats(0, 2)
    assert cache.restore(history) is history, "nothing left to put back"
