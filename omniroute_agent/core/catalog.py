"""The model catalog: every model and combo a caller can name (`Gateway.models`), each with the
capabilities declared for it (`core.capabilities`), its price and its context window (the router's
price book: config and API prices over the built-in list).

A combo claims what every one of its targets declares, since any of them may answer, and the
smallest context window of its targets when every window is known; it has no single price.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from omniroute_agent.core.capabilities import Capability, capabilities_of, common
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.pricing import Price, PriceBook, blended_price
from omniroute_agent.core.resolve import resolve
from omniroute_agent.errors import GatewayError


class ModelPrice(BaseModel):
    input: float = Field(description="USD per 1M prompt tokens")
    output: float = Field(description="USD per 1M completion tokens")
    cached_input: float | None = Field(description="USD per 1M cached prompt tokens; None: the input price")
    blended: float = Field(description="(3 * input + output) / 4 per 1M tokens, the number cost ranking uses")

    @classmethod
    def of(cls, price: Price | None) -> ModelPrice | None:
        if price is None:
            return None
        return cls(
            input=price.input,
            output=price.output,
            cached_input=price.cached_input,
            blended=round(blended_price(price), 8),
        )


class CatalogEntry(BaseModel):
    id: str = Field(description="the string to pass as 'model'")
    owned_by: str = Field(description="provider id, or 'combo'")
    kind: str = Field(description="'model' or 'combo'")
    capabilities: list[Capability] = Field(description="declared capabilities (a combo: those all its targets share)")
    price: ModelPrice | None = Field(description="None: no price known (a combo has none of its own)")
    context_window: int | None = Field(description="tokens accepted; None when unknown")
    targets: list[str] | None = Field(default=None, description="a combo's targets, in written order")


def catalog(
    gateway: Gateway, *, provider: str | None = None, capability: Capability | None = None
) -> list[CatalogEntry]:
    """The catalog, optionally only one provider's entries (or 'combo') and only those declaring `capability`."""
    prices = gateway.router.prices
    entries: list[CatalogEntry] = []
    for m in gateway.models():
        if provider and m["owned_by"] != provider:
            continue
        entry = _combo_entry(gateway, m["id"], prices) if m["kind"] == "combo" else _model_entry(m, prices)
        if capability is None or capability in entry.capabilities:
            entries.append(entry)
    return entries


def _model_entry(model: Mapping[str, Any], prices: PriceBook) -> CatalogEntry:
    price = prices.lookup(model["id"])
    return CatalogEntry(
        id=model["id"],
        owned_by=model["owned_by"],
        kind="model",
        capabilities=list(capabilities_of(model["id"])),
        price=ModelPrice.of(price),
        context_window=price.context_window if price else None,
    )


def _combo_entry(gateway: Gateway, name: str, prices: PriceBook) -> CatalogEntry:
    try:
        labels = [t.label for t in resolve(gateway.table, name).targets]
    except GatewayError:
        labels = []  # saved combos are validated; a stale one claims nothing
    windows = [prices.context_window(label) for label in labels]
    known = [w for w in windows if w is not None]
    return CatalogEntry(
        id=name,
        owned_by="combo",
        kind="combo",
        capabilities=list(common(labels)),
        price=None,
        context_window=min(known) if known and len(known) == len(windows) else None,
        targets=labels,
    )
