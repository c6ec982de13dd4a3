"""Persistence behind one narrow interface (`Store`), SQLite by default, in-memory for unit tests."""

from omniroute_agent.store.base import (
    ApiKeyRow,
    AuditRow,
    BudgetRow,
    ComboRow,
    ConnectionRow,
    MemoryRow,
    PriceRow,
    ProviderRow,
    Store,
    TaskRow,
    UsageRow,
)

__all__ = [
    "ApiKeyRow",
    "AuditRow",
    "BudgetRow",
    "ComboRow",
    "ConnectionRow",
    "MemoryRow",
    "PriceRow",
    "ProviderRow",
    "Store",
    "TaskRow",
    "UsageRow",
]
