"""Live latency and outcome metrics per target ("provider/model"), for health, the `auto` and
`least-used` strategies and `/api/metrics`. In memory, over a sliding window of recent calls."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WINDOW = 500  # recent calls kept per target
RECENT_S = 300.0  # what "recent" means for request counts and error rates


@dataclass(slots=True)
class _Series:
    calls: deque[tuple[float, float, bool]] = field(default_factory=lambda: deque(maxlen=WINDOW))
    total: int = 0
    failed: int = 0


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(slots=True)
class Metrics:
    clock: Callable[[], float] = time.monotonic
    _series: dict[str, _Series] = field(default_factory=dict)

    def observe(self, target: str, latency_ms: float, ok: bool) -> None:
        series = self._series.setdefault(target, _Series())
        series.calls.append((self.clock(), latency_ms, ok))
        series.total += 1
        series.failed += 0 if ok else 1

    def recent(self, target: str) -> tuple[int, float, float | None]:
        """(requests, error rate, latency p95 of successes) over the last RECENT_S seconds."""
        series = self._series.get(target)
        if series is None:
            return 0, 0.0, None
        since = self.clock() - RECENT_S
        calls = [c for c in series.calls if c[0] >= since]
        if not calls:
            return 0, 0.0, None
        failures = sum(1 for c in calls if not c[2])
        latencies = sorted(c[1] for c in calls if c[2])
        return len(calls), failures / len(calls), percentile(latencies, 95) if latencies else None

    def report(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for target, series in sorted(self._series.items()):
            latencies = sorted(c[1] for c in series.calls if c[2])
            window_failures = sum(1 for c in series.calls if not c[2])
            out.append(
                {
                    "target": target,
                    "provider": target.partition("/")[0],
                    "requests": series.total,
                    "failed": series.failed,
                    "success_rate": round(1 - window_failures / len(series.calls), 4) if series.calls else None,
                    "latency_ms": {
                        "p50": round(percentile(latencies, 50), 2),
                        "p95": round(percentile(latencies, 95), 2),
                        "p99": round(percentile(latencies, 99), 2),
                    }
                    if latencies
                    else None,
                }
            )
        return out
