"""The routing table: providers, their connections, combos and gateway keys, held in memory.

Loaded from the store once at start; every change goes to the store first and then here, so the
hot path never reads the disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.formats import Format
from omniroute_agent.store.base import ComboRow, ConnectionRow, ProviderRow


@dataclass(slots=True)
class Provider:
    id: str
    format: Format
    base_url: str
    models: list[str]
    aliases: list[str]
    connections: list[ConnectionRow] = field(default_factory=list)
    key_required: bool = True
    account_strategy: str | None = None  # see core.accounts; None: the gateway's default
    _enabled: tuple[list[ConnectionRow], int, list[ConnectionRow]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def enabled_connections(self) -> list[ConnectionRow]:
        """Read on every request: kept until `connections` is replaced or changes length (the
        table replaces the list when a connection changes; rows are never edited in place)."""
        cached = self._enabled
        if cached is None or cached[0] is not self.connections or cached[1] != len(self.connections):
            enabled = [c for c in self.connections if c.enabled]
            cached = self._enabled = (self.connections, len(self.connections), enabled)
        return cached[2]


@dataclass(slots=True)
class Combo:
    name: str
    strategy: str
    models: list[str]
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RoutingTable:
    providers: dict[str, Provider] = field(default_factory=dict)
    combos: dict[str, Combo] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, str] = field(default_factory=dict)  # gateway key hash → key id
    key_scopes: dict[str, frozenset[str]] = field(default_factory=dict)  # key id → scopes
    default_model: str | None = None

    def put_provider(self, row: ProviderRow, *, key_required: bool = True) -> Provider:
        current = self.providers.get(row.id)
        provider = Provider(
            row.id,
            row.format,  # type: ignore[arg-type]  # validated when written
            row.base_url,
            list(row.models),
            list(row.aliases),
            current.connections if current else [],
            key_required,
            row.options.get("account_strategy"),
        )
        self.providers[row.id] = provider
        self._index_aliases()
        return provider

    def put_connection(self, row: ConnectionRow) -> None:
        provider = self.providers[row.provider_id]
        provider.connections = [c for c in provider.connections if c.id != row.id] + [row]
        provider.connections.sort(key=lambda c: c.priority)

    def put_combo(self, row: ComboRow) -> None:
        self.combos[row.name] = Combo(row.name, row.strategy, list(row.models), dict(row.config))

    def _index_aliases(self) -> None:
        self.aliases = {alias: p.id for p in self.providers.values() for alias in p.aliases}

    def provider(self, name: str) -> Provider | None:
        return self.providers.get(name) or self.providers.get(self.aliases.get(name, ""))
