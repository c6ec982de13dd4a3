"""Usage rows, written off the request path in batches (see `core.batch`)."""

from __future__ import annotations

from omniroute_agent.core.batch import BatchWriter
from omniroute_agent.store.base import Store, UsageRow


class UsageRecorder(BatchWriter[UsageRow]):
    def __init__(self, store: Store, *, max_queue: int = 10_000) -> None:
        super().__init__(store.add_usage, name="usage", max_queue=max_queue)
