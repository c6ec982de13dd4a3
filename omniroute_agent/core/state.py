"""Routing state that survives a restart: cooldowns and backoff levels, circuit breakers, and each
combo's strategy state (round-robin counter, deck, last known good target).

Loaded once at start; saved by a background task every `interval_s` and once more at shutdown,
so the request path never writes it. A crash loses at most the last interval of changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from omniroute_agent.core.router import Router
from omniroute_agent.core.strategies import ComboState
from omniroute_agent.store.base import Store

log = logging.getLogger("omniroute.state")

KEYS = ("accounts", "breaker", "combos")


class StateKeeper:
    def __init__(self, store: Store, router: Router[Any], *, interval_s: float = 2.0) -> None:
        self._store = store
        self._router = router
        self._interval = interval_s
        self._task: asyncio.Task[None] | None = None

    async def load(self) -> None:
        router = self._router
        if accounts := await self._store.get_state("accounts"):
            router.accounts.restore(accounts)  # type: ignore[arg-type]
        if breaker := await self._store.get_state("breaker"):
            router.breaker.restore(breaker)  # type: ignore[arg-type]
        if combos := await self._store.get_state("combos"):
            router.combo_states.update({name: ComboState.from_dict(v) for name, v in combos.items()})

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="state-keeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.save()

    async def save(self) -> None:
        router = self._router
        await self._store.put_state(
            {
                "accounts": dict(router.accounts.snapshot()),
                "breaker": dict(router.breaker.snapshot()),
                "combos": {name: dict(state.to_dict()) for name, state in router.combo_states.items()},
            }
        )

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.save()
            except Exception:
                log.exception("could not save the routing state")
