"""Start-up: apply the config file to the store (upsert: a restart with the same file changes
nothing, data added through the API or MCP is kept), then load the routing table from the store.

Provider keys found in the environment become connections too; they live in memory only, since
the secret already lives in the environment.

The default model: the config's `[server] default_model`, unless one was chosen at run time
(`Admin.switch_default`, the MCP tool omniroute_switch_combo): a stored switch always wins, even
over a default_model edited in the file later. Switch again to change it.
"""

from __future__ import annotations

from omniroute_agent.config import Settings
from omniroute_agent.core.admin import SETTINGS_KEY
from omniroute_agent.core.table import RoutingTable
from omniroute_agent.providers.catalog import CATALOG
from omniroute_agent.store.base import (
    ApiKeyRow,
    BudgetRow,
    ComboRow,
    ConnectionRow,
    PriceRow,
    ProviderRow,
    Store,
)
from omniroute_agent.store.crypto import Cipher, hash_api_key


def connection_id(cipher: Cipher, provider_id: str, secret: str) -> str:
    return f"{provider_id}-{cipher.fingerprint(provider_id + ':' + secret)[:10]}"


def provider_row(
    settings_provider_id: str, fmt: str | None, base_url: str | None, models: list[str], aliases: list[str]
) -> ProviderRow:
    spec = CATALOG.get(settings_provider_id)
    return ProviderRow(
        id=settings_provider_id,
        format=fmt or (spec.format if spec else "openai"),
        base_url=base_url or (spec.base_url if spec else ""),
        models=models or (list(spec.models) if spec else []),
        aliases=aliases or (list(spec.aliases) if spec else []),
    )


async def apply_config(store: Store, cipher: Cipher, settings: Settings) -> None:
    file = settings.file
    for p in file.providers:
        row = provider_row(p.id, p.format, p.base_url, list(p.models), list(p.aliases))
        if p.account_strategy:
            row.options["account_strategy"] = p.account_strategy
        await store.upsert_provider(row)
        secrets = list(p.api_keys) or ([""] if not _key_required(p.id) else [])
        for n, secret in enumerate(secrets):
            await store.upsert_connection(
                ConnectionRow(
                    id=connection_id(cipher, p.id, secret),
                    provider_id=p.id,
                    secret=secret,
                    label=f"config key {n + 1}",
                    priority=n,
                )
            )
    for c in file.combos:
        await store.upsert_combo(ComboRow(c.name, c.strategy, list(c.models), c.config()))
    for price in file.pricing:
        await store.upsert_price(
            PriceRow(
                price.model,
                price.input,
                price.output,
                price.cached_input,
                price.context_window,
                source="user",
            )
        )
    for b in file.budgets:
        await store.upsert_budget(
            BudgetRow(f"{b.scope}/{b.period}", b.scope, b.period, b.limit_usd, b.action, b.degrade_to)
        )
    keys = [(key, f"config key {n + 1}", ["*"]) for n, key in enumerate(file.server.api_keys)]
    keys += [(k.key, k.label or f"scoped key {n + 1}", list(k.scopes)) for n, k in enumerate(file.keys)]
    for key, label, granted in keys:
        digest = hash_api_key(key)
        await store.upsert_api_key(ApiKeyRow(id=f"key-{digest[:12]}", key_hash=digest, label=label, scopes=granted))


async def load_table(store: Store, cipher: Cipher, settings: Settings) -> RoutingTable:
    table = RoutingTable(default_model=settings.file.server.default_model)
    switched = (await store.get_state(SETTINGS_KEY) or {}).get("default_model")
    if isinstance(switched, str) and switched:
        table.default_model = switched
    for row in await store.list_providers():
        table.put_provider(row, key_required=_key_required(row.id))
    for conn in await store.list_connections():
        if conn.provider_id in table.providers:
            table.put_connection(conn)
    for provider_id, secrets in settings.env_provider_keys.items():
        if provider_id not in table.providers:
            table.put_provider(provider_row(provider_id, None, None, [], []))
        for n, secret in enumerate(secrets):
            table.put_connection(
                ConnectionRow(
                    id=connection_id(cipher, provider_id, secret),
                    provider_id=provider_id,
                    secret=secret,
                    label=f"environment key {n + 1}",
                    priority=1000 + n,
                )
            )
    for combo in await store.list_combos():
        table.put_combo(combo)
    stored_keys = await store.list_api_keys()
    table.key_ids = {k.key_hash: k.id for k in stored_keys}
    table.key_scopes = {k.id: frozenset(k.scopes) for k in stored_keys}
    return table


def _key_required(provider_id: str) -> bool:
    spec = CATALOG.get(provider_id)
    return spec.key_required if spec else True
