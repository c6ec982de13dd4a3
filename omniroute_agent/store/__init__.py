"""Persistence behind one narrow interface (`Store`), SQLite by default, in-memory for unit tests."""

from omniroute_agent.store.base import (
    ApiKeyRow,
    BudgetRow,
    ComboRow,
    ConnectionRow,
    PriceRow,
    ProviderRow,
    Store,
    TaskRow,
    UsageRow,
)

__all__ = [
    "ApiKeyRow",
    "BudgetRow",
    "ComboRow",
    "ConnectionRow",
    "PriceRow",
    "ProviderRow",
    "Store",
    "TaskRow",
    "UsageRow",
]
