"""Account rotation inside a provider: round-robin over enabled connections not cooling down.

A connection that failed with a retryable error cools down (the provider's `Retry-After` when it
sends one, else a default per class) and is skipped until then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from omniroute_agent.core.table import Provider
from omniroute_agent.errors import UpstreamError
from omniroute_agent.store.base import ConnectionRow

AUTH_COOLDOWN_S = 300.0
DEFAULT_COOLDOWN_S = 1.0


@dataclass(slots=True)
class Accounts:
    clock: Callable[[], float] = time.monotonic
    _next: dict[str, int] = field(default_factory=dict)
    _cooldown_until: dict[str, float] = field(default_factory=dict)

    def order(self, provider: Provider) -> tuple[list[ConnectionRow], list[ConnectionRow]]:
        """(ready, cooling): ready connections rotated so each request starts one further on."""
        now = self.clock()
        conns = provider.enabled_connections
        if not conns:
            return [], []
        start = self._next.get(provider.id, 0) % len(conns)
        self._next[provider.id] = start + 1
        rotated = conns[start:] + conns[:start]
        ready = [c for c in rotated if self._cooldown_until.get(c.id, 0.0) <= now]
        cooling = [c for c in rotated if self._cooldown_until.get(c.id, 0.0) > now]
        return ready, cooling

    def cooldown_left(self, connection_id: str) -> float:
        return max(0.0, self._cooldown_until.get(connection_id, 0.0) - self.clock())

    def failed(self, connection_id: str, error: UpstreamError) -> float:
        """Puts the connection in cooldown for this error; returns the seconds applied."""
        if error.retry_after is not None:
            seconds = error.retry_after
        elif error.status in (401, 403):
            seconds = AUTH_COOLDOWN_S
        else:
            seconds = DEFAULT_COOLDOWN_S
        self._cooldown_until[connection_id] = self.clock() + seconds
        return seconds

    def succeeded(self, connection_id: str) -> None:
        self._cooldown_until.pop(connection_id, None)

    def snapshot(self) -> dict[str, float]:
        """Connections cooling down now, with the seconds left."""
        now = self.clock()
        return {cid: round(until - now, 3) for cid, until in self._cooldown_until.items() if until > now}
