"""core/pricing.py: lookups across layers and names, cost arithmetic, the blended price, config entries."""

from __future__ import annotations

from typing import Any

import pytest

from omniroute_agent.core.pricing import (
    BUILTIN_PRICES,
    PROVIDER_ALIASES,
    Price,
    PriceEntry,
    blended_price,
    cost,
    merge,
    parse_entries,
)
from omniroute_agent.errors import ConfigError
from omniroute_agent.providers.catalog import CATALOG
from omniroute_agent.translate.hub import Usage, make_usage

BUILTIN = {
    "openai/gpt-4.1-mini": Price(0.40, 1.60, cached_input=0.10, context_window=1_047_576),
    "openai/gpt-4o": Price(2.50, 10.00, cached_input=1.25),
    "anthropic/claude-sonnet-4-5": Price(3.00, 15.00, 0.30, 3.75, context_window=200_000),
    "groq/llama-3.3-70b-versatile": Price(0.59, 0.79),
    "mistral/mistral-large": Price(2.00, 6.00),
}
USER_4O = Price(1.00, 1.00)
SYNCED_4O = Price(9.00, 9.00)
USER_DATED = Price(0.50, 0.50)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        pytest.param("openai/gpt-4o", BUILTIN["openai/gpt-4o"], id="exact"),
        pytest.param("gpt-4o", BUILTIN["openai/gpt-4o"], id="bare-name"),
        pytest.param("OpenAI/GPT-4o", BUILTIN["openai/gpt-4o"], id="case-insensitive"),
        pytest.param("oai/gpt-4o", BUILTIN["openai/gpt-4o"], id="provider-alias"),
        pytest.param("fake/gpt-4o", BUILTIN["openai/gpt-4o"], id="other-provider-falls-to-bare"),
        pytest.param("openai/gpt-4.1-mini-2025-04-14", BUILTIN["openai/gpt-4.1-mini"], id="dated-iso"),
        pytest.param("claude-sonnet-4-5-20250929", BUILTIN["anthropic/claude-sonnet-4-5"], id="dated-compact-bare"),
        pytest.param("claude/claude-sonnet-4-5-20250929", BUILTIN["anthropic/claude-sonnet-4-5"], id="alias-and-date"),
        pytest.param("gpt-4o-2024-08-06", BUILTIN["openai/gpt-4o"], id="dated-bare"),
        pytest.param("mistral/mistral-large-latest", BUILTIN["mistral/mistral-large"], id="latest"),
        pytest.param("mistral/mistral-large-2411", BUILTIN["mistral/mistral-large"], id="yymm"),
        pytest.param(
            "openrouter/anthropic/claude-sonnet-4-5",
            BUILTIN["anthropic/claude-sonnet-4-5"],
            id="nested-slash",
        ),
        pytest.param("gpt-4.1-mini-preview", None, id="not-a-date-suffix"),
        pytest.param("gpt-4.1", None, id="no-prefix-match"),
        pytest.param("openai/unknown-model", None, id="unknown"),
        pytest.param("llama-3.3-70b", None, id="unknown-near-name"),
    ],
)
def test_builtin_lookup(model: str, expected: Price | None) -> None:
    assert merge(BUILTIN, {}).lookup(model) == expected


@pytest.mark.parametrize(
    ("user", "synced", "model", "expected"),
    [
        pytest.param({"gpt-4o": USER_4O}, {}, "openai/gpt-4o", USER_4O, id="user-bare-beats-builtin"),
        pytest.param({"openai/gpt-4o": USER_4O}, {}, "gpt-4o", USER_4O, id="user-exact-serves-bare"),
        pytest.param({"oai/gpt-4o": USER_4O}, {}, "openai/gpt-4o", USER_4O, id="user-key-alias-normalized"),
        pytest.param({"GPT-4o": USER_4O}, {}, "gpt-4o", USER_4O, id="user-key-lowercased"),
        pytest.param({}, {"openai/gpt-4o": SYNCED_4O}, "openai/gpt-4o", SYNCED_4O, id="sync-beats-builtin"),
        pytest.param(
            {"gpt-4o": USER_4O},
            {"openai/gpt-4o": SYNCED_4O},
            "openai/gpt-4o",
            USER_4O,
            id="sync-never-beats-user",
        ),
        pytest.param(
            {"gpt-4o": USER_4O},
            {"openai/gpt-4o-2024-08-06": SYNCED_4O},
            "openai/gpt-4o-2024-08-06",
            USER_4O,
            id="sync-dated-never-beats-user-base",
        ),
        pytest.param({"openai/gpt-4o": USER_4O}, {}, "azure/gpt-4o", USER_4O, id="user-exact-covers-bare-of-others"),
        pytest.param(
            {"gpt-4o": USER_4O, "gpt-4o-2024-08-06": USER_DATED},
            {},
            "openai/gpt-4o-2024-08-06",
            USER_DATED,
            id="most-specific-name-first",
        ),
        pytest.param(
            {"gpt-4o": USER_4O, "fake/gpt-4o": USER_DATED},
            {},
            "fake/gpt-4o",
            USER_DATED,
            id="provider-key-before-bare",
        ),
        pytest.param({"gpt-4o": USER_4O, "fake/gpt-4o": USER_DATED}, {}, "gpt-4o", USER_4O, id="bare-key-serves-bare"),
        pytest.param({"my-model": USER_4O}, {}, "local/my-model", USER_4O, id="user-only-model"),
        pytest.param({"gpt-4o": USER_4O}, {}, "openai/gpt-4.1-mini", BUILTIN["openai/gpt-4.1-mini"], id="other"),
    ],
)
def test_layers(user: dict[str, Price], synced: dict[str, Price], model: str, expected: Price) -> None:
    assert merge(BUILTIN, user, synced).lookup(model) == expected


def test_a_later_sync_keeps_user_entries() -> None:
    user = parse_entries([{"model": "gpt-4o", "input": 1.0, "output": 1.0}])
    first = merge(BUILTIN, user, {})
    second = merge(BUILTIN, user, {"gpt-4o": SYNCED_4O, "openai/gpt-4o": SYNCED_4O})
    assert first.lookup("openai/gpt-4o") == second.lookup("openai/gpt-4o") == USER_4O
    assert user == {"gpt-4o": USER_4O}


@pytest.mark.parametrize(
    ("model", "window"),
    [
        pytest.param("openai/gpt-4.1-mini", 1_047_576, id="known"),
        pytest.param("openai/gpt-4o", None, id="price-without-window"),
        pytest.param("nobody/nothing", None, id="unknown-model"),
    ],
)
def test_context_window(model: str, window: int | None) -> None:
    assert merge(BUILTIN, {}).context_window(model) == window


def with_details(usage: Usage, **prompt: int) -> Usage:
    usage["prompt_tokens_details"] = {**usage.get("prompt_tokens_details", {}), **prompt}
    return usage


GPT = Price(2.00, 8.00, cached_input=0.50)
PLAIN = Price(1.00, 4.00)
REASONING = Price(1.00, 4.00, reasoning=10.00)
CLAUDE = Price(3.00, 15.00, cached_input=0.30, cache_write=3.75)


@pytest.mark.parametrize(
    ("price", "usage", "usd"),
    [
        pytest.param(GPT, make_usage(0, 0), 0.0, id="nothing"),
        pytest.param(GPT, make_usage(1_000_000, 0), 2.00, id="prompt-only"),
        pytest.param(GPT, make_usage(0, 1_000_000), 8.00, id="completion-only"),
        pytest.param(GPT, make_usage(1000, 500), 0.006, id="plain"),
        pytest.param(GPT, make_usage(1000, 500, cached=400), 0.0012 + 0.0002 + 0.004, id="cached-at-cached"),
        pytest.param(PLAIN, make_usage(1000, 500, cached=400), 0.001 + 0.002, id="cached-default-input"),
        pytest.param(GPT, make_usage(1000, 500, reasoning=300), 0.002 + 0.004, id="reasoning-in-completion"),
        pytest.param(REASONING, make_usage(1000, 500, reasoning=300), 0.001 + 0.0008 + 0.003, id="reasoning-own-price"),
        pytest.param(
            GPT,
            make_usage(1000, 500, cached=1000, reasoning=500),
            0.0005 + 0.004,
            id="all-cached-all-reasoning",
        ),
        pytest.param(GPT, make_usage(1000, 500, cached=5000, reasoning=9000), 0.0005 + 0.004, id="details-clamped"),
        pytest.param(
            CLAUDE,
            with_details(make_usage(10_000, 1000, cached=6000), cache_creation_tokens=3000),
            0.003 + 0.0018 + 0.01125 + 0.015,
            id="cache-read-and-write",
        ),
        pytest.param(
            PLAIN,
            with_details(make_usage(10_000, 0), cache_creation_tokens=3000),
            0.01,
            id="cache-write-default-input",
        ),
        pytest.param(
            GPT,
            {
                "prompt_tokens": 1000,
                "completion_tokens": 0,
                "total_tokens": 1000,
                "prompt_tokens_details": {},
            },
            0.002,
            id="empty-details",
        ),
    ],
)
def test_cost(price: Price, usage: Usage, usd: float) -> None:
    assert cost(price, usage) == pytest.approx(usd, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("price", "blended"),
    [
        pytest.param(Price(2.00, 8.00), 3.50, id="gpt-4.1"),
        pytest.param(Price(3.00, 15.00, cached_input=0.30), 6.00, id="cache-price-ignored"),
        pytest.param(Price(0.0, 0.0), 0.0, id="free"),
        pytest.param(Price(1.00, 4.00, reasoning=100.0), 1.75, id="reasoning-price-ignored"),
    ],
)
def test_blended_price(price: Price, blended: float) -> None:
    assert blended_price(price) == pytest.approx(blended)


def test_blend_orders_models_by_cost() -> None:
    book = merge(BUILTIN_PRICES, {})
    names = ["openai/gpt-5", "openai/gpt-5-nano", "anthropic/claude-haiku-4-5", "openai/gpt-5-mini"]
    prices = {name: book.lookup(name) for name in names}
    ranked = sorted(names, key=lambda n: blended_price(prices[n] or Price(0, 0)))
    assert ranked == ["openai/gpt-5-nano", "openai/gpt-5-mini", "anthropic/claude-haiku-4-5", "openai/gpt-5"]


@pytest.mark.parametrize(
    "model",
    [
        *(f"openai/{m}" for m in ("gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-4.1", "gpt-4.1-mini")),
        *(f"openai/{m}" for m in ("gpt-4.1-nano", "gpt-4o", "gpt-4o-mini", "o3", "o4-mini")),
        *(f"anthropic/{m}" for m in ("claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5")),
        *(f"anthropic/{m}" for m in ("claude-3-7-sonnet-latest", "claude-3-5-haiku-20241022")),
        *(f"gemini/{m}" for m in ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite")),
        "deepseek/deepseek-chat",
        "deepseek/deepseek-reasoner",
        "groq/llama-3.3-70b-versatile",
        "groq/llama-3.1-8b-instant",
        "mistral/mistral-large-latest",
        "mistral/mistral-small-latest",
        "xai/grok-4",
        "xai/grok-3-mini",
    ],
)
def test_builtin_table_covers_the_listed_models(model: str) -> None:
    price = merge(BUILTIN_PRICES, {}).lookup(model)
    assert price is not None
    assert 0 < price.input <= price.output
    assert price.cached_input is None or price.cached_input < price.input
    assert price.context_window is not None
    assert price.context_window >= 128_000


def test_builtin_keys_are_catalog_providers() -> None:
    assert {key.partition("/")[0] for key in BUILTIN_PRICES} <= set(CATALOG)
    assert all(key == key.lower() for key in BUILTIN_PRICES)
    assert PROVIDER_ALIASES["oai"] == "openai"


def test_parse_entries_all_fields() -> None:
    entries: list[PriceEntry] = [
        {"model": " Openai/GPT-4o ", "input": 1, "output": 2.5},
        {
            "model": "my-model",
            "input": 0.5,
            "output": 1.5,
            "cached_input": 0.05,
            "cache_write": 0.6,
            "reasoning": 3.0,
            "context_window": 32_000,
        },
    ]
    assert parse_entries(entries) == {
        "openai/gpt-4o": Price(1.0, 2.5),
        "my-model": Price(0.5, 1.5, 0.05, 0.6, 3.0, 32_000),
    }


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        pytest.param({"model": "", "input": 1, "output": 1}, "'model' must be", id="empty-model"),
        pytest.param({"input": 1, "output": 1}, "'model' must be", id="no-model"),
        pytest.param({"model": "m", "output": 1}, "'input' must be", id="no-input"),
        pytest.param({"model": "m", "input": -1, "output": 1}, "'input' must be", id="negative"),
        pytest.param({"model": "m", "input": 1, "output": "2"}, "'output' must be", id="string"),
        pytest.param({"model": "m", "input": 1, "output": True}, "'output' must be", id="bool"),
        pytest.param({"model": "m", "input": float("nan"), "output": 1}, "'input' must be", id="nan"),
        pytest.param({"model": "m", "input": 1, "output": 1, "cached_input": -0.1}, "'cached_input'", id="cached"),
        pytest.param({"model": "m", "input": 1, "output": 1, "context_window": 0}, "'context_window'", id="ctx-0"),
        pytest.param({"model": "m", "input": 1, "output": 1, "context_window": 1.5}, "'context_window'", id="ctx"),
    ],
)
def test_parse_entries_rejects(entry: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        parse_entries([entry])  # type: ignore[list-item]


def test_parse_entries_rejects_a_repeated_model() -> None:
    with pytest.raises(ConfigError, match="listed twice"):
        parse_entries([{"model": "m", "input": 1, "output": 1}, {"model": "M", "input": 2, "output": 2}])
