"""Model prices and context windows: a literal built-in table, config overrides, and cost arithmetic.

Prices are USD per 1M tokens. A `Price` has:

    input           uncached prompt tokens
    output          completion tokens (reasoning tokens included, unless `reasoning` is set)
    cached_input    prompt tokens read from the provider's cache; None means the `input` price
    cache_write     prompt tokens written to the cache (Anthropic); None means the `input` price
    reasoning       reasoning tokens, a part of the completion; None means the `output` price
    context_window  tokens the model accepts (prompt + completion); None when unknown

Where a price comes from, highest precedence first (`merge(builtin, user, synced)`):

    user      `[[prices]]` entries of the config (`parse_entries`); always win, a sync never replaces them
    synced    prices fetched later from somewhere (e.g. a provider's model list); beat only built-ins
    builtin   `BUILTIN_PRICES` below: list prices, may be stale; override them in the config

Lookup (`PriceBook.lookup("openai/gpt-4.1-mini-2025-04-14")`) searches the layers in that order and
takes the first layer that knows the model at all. Inside a layer it tries the most specific name
first: the name as given, then with date-like suffixes removed one at a time (`-latest`,
`-YYYYMMDD`, `-YYYY-MM-DD`, `-MM-DD`, four or three trailing digits: `-2411`, `-0125`, `-001`); for
each name `provider/name` before the bare `name`. A provider alias (`oai/`, `claude/`, ...) counts
as its provider; a model holding a slash itself (`together/meta-llama/Llama-3.3-70B`) also tries its
last segment. Names compare case-insensitively. An unknown model is None: its cost is unknown.

Not modelled: tiered prices above a prompt size (Gemini 2.5 Pro, Claude 1M context), batch
discounts, per-request fees, and cache storage time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

from omniroute_agent.errors import ConfigError
from omniroute_agent.providers.catalog import CATALOG
from omniroute_agent.translate.hub import Usage

PER_TOKENS = 1_000_000


@dataclass(frozen=True, slots=True)
class Price:
    input: float
    output: float
    cached_input: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    context_window: int | None = None


class PriceEntry(TypedDict):
    """One `[[prices]]` entry of the config. `model` is "provider/model" or a bare model name."""

    model: str
    input: float
    output: float
    cached_input: NotRequired[float]
    cache_write: NotRequired[float]
    reasoning: NotRequired[float]
    context_window: NotRequired[int]


_ANTHROPIC_CTX = 200_000
_GEMINI_CTX = 1_048_576
_GPT41_CTX = 1_047_576

# List prices, may be stale; override in config. Keys are "provider/model" (the catalog's ids).
BUILTIN_PRICES: dict[str, Price] = {
    # OpenAI
    "openai/gpt-5": Price(1.25, 10.00, cached_input=0.125, context_window=400_000),
    "openai/gpt-5-mini": Price(0.25, 2.00, cached_input=0.025, context_window=400_000),
    "openai/gpt-5-nano": Price(0.05, 0.40, cached_input=0.005, context_window=400_000),
    "openai/gpt-4.1": Price(2.00, 8.00, cached_input=0.50, context_window=_GPT41_CTX),
    "openai/gpt-4.1-mini": Price(0.40, 1.60, cached_input=0.10, context_window=_GPT41_CTX),
    "openai/gpt-4.1-nano": Price(0.10, 0.40, cached_input=0.025, context_window=_GPT41_CTX),
    "openai/gpt-4o": Price(2.50, 10.00, cached_input=1.25, context_window=128_000),
    "openai/gpt-4o-mini": Price(0.15, 0.60, cached_input=0.075, context_window=128_000),
    "openai/o3": Price(2.00, 8.00, cached_input=0.50, context_window=200_000),
    "openai/o4-mini": Price(1.10, 4.40, cached_input=0.275, context_window=200_000),
    # Anthropic: cache reads at 0.1x input, cache writes (5-minute) at 1.25x input
    "anthropic/claude-opus-4-5": Price(5.00, 25.00, 0.50, 6.25, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-opus-4-1": Price(15.00, 75.00, 1.50, 18.75, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-opus-4": Price(15.00, 75.00, 1.50, 18.75, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-sonnet-4-5": Price(3.00, 15.00, 0.30, 3.75, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-sonnet-4": Price(3.00, 15.00, 0.30, 3.75, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-haiku-4-5": Price(1.00, 5.00, 0.10, 1.25, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-3-7-sonnet": Price(3.00, 15.00, 0.30, 3.75, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-3-5-sonnet": Price(3.00, 15.00, 0.30, 3.75, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-3-5-haiku": Price(0.80, 4.00, 0.08, 1.00, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-3-opus": Price(15.00, 75.00, 1.50, 18.75, context_window=_ANTHROPIC_CTX),
    "anthropic/claude-3-haiku": Price(0.25, 1.25, 0.03, 0.30, context_window=_ANTHROPIC_CTX),
    # Google Gemini (prompts up to 200k tokens)
    "gemini/gemini-2.5-pro": Price(1.25, 10.00, cached_input=0.125, context_window=_GEMINI_CTX),
    "gemini/gemini-2.5-flash": Price(0.30, 2.50, cached_input=0.03, context_window=_GEMINI_CTX),
    "gemini/gemini-2.5-flash-lite": Price(0.10, 0.40, cached_input=0.01, context_window=_GEMINI_CTX),
    # DeepSeek (cache hit / miss)
    "deepseek/deepseek-chat": Price(0.28, 0.42, cached_input=0.028, context_window=131_072),
    "deepseek/deepseek-reasoner": Price(0.28, 0.42, cached_input=0.028, context_window=131_072),
    # Groq
    "groq/llama-3.3-70b-versatile": Price(0.59, 0.79, context_window=131_072),
    "groq/llama-3.1-8b-instant": Price(0.05, 0.08, context_window=131_072),
    # Mistral ("-latest" and dated names strip to these)
    "mistral/mistral-large": Price(2.00, 6.00, context_window=131_072),
    "mistral/mistral-small": Price(0.10, 0.30, context_window=131_072),
    "mistral/codestral": Price(0.30, 0.90, context_window=256_000),
    # xAI
    "xai/grok-4": Price(3.00, 15.00, cached_input=0.75, context_window=256_000),
    "xai/grok-3-mini": Price(0.30, 0.50, cached_input=0.075, context_window=131_072),
}

# Provider alias -> provider id, from the catalog ("oai" -> "openai"). Pass the routing table's own
# aliases to `merge` as well when the config adds some.
PROVIDER_ALIASES: dict[str, str] = {alias: spec.id for spec in CATALOG.values() for alias in spec.aliases}

_SUFFIX = re.compile(r"-(?:latest|\d{8}|\d{4}-\d{2}-\d{2}|\d{2}-\d{2}|\d{4}|\d{3})$")


@dataclass(frozen=True, slots=True)
class PriceBook:
    """Layers in precedence order (user, synced, builtin), each indexed by normalized "provider/model"
    and by bare "model"; built by `merge`, read by `lookup`. See the module doc."""

    layers: tuple[Mapping[str, Price], ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)

    def lookup(self, model: str) -> Price | None:
        """The price of "provider/model" (a target's label) or a bare model name, or None."""
        keys = _candidates(model, self.aliases)
        for layer in self.layers:
            for key in keys:
                price = layer.get(key)
                if price is not None:
                    return price
        return None

    def context_window(self, model: str) -> int | None:
        price = self.lookup(model)
        return price.context_window if price else None


def merge(
    builtin: Mapping[str, Price],
    user: Mapping[str, Price],
    synced: Mapping[str, Price] | None = None,
    *,
    aliases: Mapping[str, str] = PROVIDER_ALIASES,
) -> PriceBook:
    """A book where user entries win over synced ones, and synced over built-ins, key by key and for
    every name a user key covers (a user "gpt-4o" beats a synced "openai/gpt-4o-2024-08-06"). Merge
    again with the config's user entries after each sync: the user layer is never written by a sync."""
    layers = (user, synced or {}, builtin)
    return PriceBook(tuple(_indexed(layer, aliases) for layer in layers), dict(aliases))


def parse_entries(entries: Iterable[PriceEntry]) -> dict[str, Price]:
    """The user layer from config entries; a negative or non-numeric price, a non-positive context
    window, an empty or repeated model name raises ConfigError."""
    prices: dict[str, Price] = {}
    for n, entry in enumerate(entries):
        model = entry.get("model", "")
        where = f"prices[{n}] ({model!r})"
        if not isinstance(model, str) or not model.strip():
            raise ConfigError(f"{where}: 'model' must be a non-empty string")
        key = model.strip().lower()
        if key in prices:
            raise ConfigError(f"{where}: model listed twice")
        window = entry.get("context_window")
        if window is not None and (isinstance(window, bool) or not isinstance(window, int) or window <= 0):
            raise ConfigError(f"{where}: 'context_window' must be a positive integer, got {window!r}")
        prices[key] = Price(
            _usd(entry, "input", where),
            _usd(entry, "output", where),
            _usd_or_none(entry, "cached_input", where),
            _usd_or_none(entry, "cache_write", where),
            _usd_or_none(entry, "reasoning", where),
            window,
        )
    return prices


def cost(price: Price, usage: Usage) -> float:
    """USD for one answer. Hub usage counts cache reads and writes inside prompt_tokens and reasoning
    inside completion_tokens, so each token is priced once: cached and cache-written prompt tokens at
    their prices, the rest at input; reasoning tokens at `reasoning` (else output), the rest at output.
    Detail counts are clamped to their totals."""
    prompt = max(usage.get("prompt_tokens", 0), 0)
    completion = max(usage.get("completion_tokens", 0), 0)
    prompt_details = usage.get("prompt_tokens_details") or {}
    cached = _clamp(prompt_details.get("cached_tokens"), prompt)
    written = _clamp(prompt_details.get("cache_creation_tokens"), prompt - cached)
    reasoning = _clamp((usage.get("completion_tokens_details") or {}).get("reasoning_tokens"), completion)
    total = (
        (prompt - cached - written) * price.input
        + cached * _or(price.cached_input, price.input)
        + written * _or(price.cache_write, price.input)
        + (completion - reasoning) * price.output
        + reasoning * _or(price.reasoning, price.output)
    )
    return total / PER_TOKENS


def blended_price(price: Price) -> float:
    """One USD-per-1M number to rank models by cost: (3 * input + output) / 4, the usual 3:1 blend
    of prompt to completion tokens. Cache and reasoning prices do not enter it."""
    return (3 * price.input + price.output) / 4


def _candidates(model: str, aliases: Mapping[str, str]) -> list[str]:
    name = model.strip().lower()
    prefix, slash, rest = name.partition("/")
    if not slash:
        return _stripped(name)
    provider = aliases.get(prefix, prefix)
    keys = [key for n in _stripped(rest) for key in (f"{provider}/{n}", n)]
    if "/" in rest:
        keys += _stripped(rest.rsplit("/", 1)[1])
    return keys


def _stripped(name: str) -> list[str]:
    """The name, then the name without one more date-like suffix, until none is left."""
    names = [name]
    while (shorter := _SUFFIX.sub("", names[-1])) != names[-1] and shorter:
        names.append(shorter)
    return names


def _indexed(layer: Mapping[str, Price], aliases: Mapping[str, str]) -> dict[str, Price]:
    """Normalized keys ("oai/GPT-4o" -> "openai/gpt-4o"), plus each bare name: the layer's own bare
    key, else its first "provider/<name>" key."""
    full: dict[str, Price] = {}
    bare: dict[str, Price] = {}
    for key, price in layer.items():
        name = key.strip().lower()
        prefix, slash, rest = name.partition("/")
        if slash:
            full[f"{aliases.get(prefix, prefix)}/{rest}"] = price
            bare.setdefault(rest, price)
    bare.update({key.strip().lower(): price for key, price in layer.items() if "/" not in key})
    return {**bare, **full}


def _usd(entry: PriceEntry, name: str, where: str) -> float:
    value = entry.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{where}: '{name}' must be a USD amount per 1M tokens (>= 0), got {value!r}")
    return float(value)


def _usd_or_none(entry: PriceEntry, name: str, where: str) -> float | None:
    return None if entry.get(name) is None else _usd(entry, name, where)


def _clamp(value: object, most: int) -> int:
    return min(max(value, 0), most) if isinstance(value, int) and not isinstance(value, bool) else 0


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
