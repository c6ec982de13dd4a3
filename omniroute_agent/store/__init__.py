"""Persistence behind one narrow interface (`Store`), SQLite by default, in-memory for unit tests."""

from omniroute_agent.store.base import (
    ApiKeyRow,
    ComboRow,
    ConnectionRow,
    ProviderRow,
    Store,
    TaskRow,
    UsageRow,
)

__all__ = ["ApiKeyRow", "ComboRow", "ConnectionRow", "ProviderRow", "Store", "TaskRow", "UsageRow"]
