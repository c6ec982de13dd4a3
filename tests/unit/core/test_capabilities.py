"""core/capabilities.py (the declared table) and core/catalog.py (the catalog built on it): names as
every kind of provider spells them, first match wins, unknown claims nothing, and catalog entries
carry the live price book's prices."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniroute_agent.core.admin import Admin
from omniroute_agent.core.capabilities import (
    CAPABILITIES,
    LONG_CONTEXT_TOKENS,
    RULES,
    capabilities_of,
    common,
    has_all,
    model_name,
    rule_for,
)
from omniroute_agent.core.catalog import catalog
from omniroute_agent.core.pricing import BUILTIN_PRICES
from omniroute_agent.providers.catalog import CATALOG
from omniroute_agent.store.base import PriceRow
from tests.unit.core.insight_kit import kit

pytestmark = pytest.mark.anyio

ALL = ("vision", "tools", "reasoning", "json", "long_context")


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        pytest.param("openai/gpt-5-mini", ALL, id="gpt-5"),
        pytest.param("fake/gpt-4.1-mini", ("vision", "tools", "json", "long_context"), id="any-provider-id"),
        pytest.param("gpt-4.1-nano", ("vision", "tools", "json", "long_context"), id="bare-name"),
        pytest.param("openrouter/openai/GPT-4o", ("vision", "tools", "json"), id="aggregator-path-any-case"),
        pytest.param("openai/o1-mini", ("reasoning",), id="specific-before-family"),
        pytest.param("openai/o4-mini", ALL, id="o-series"),
        pytest.param("openai/o3-mini", ("tools", "reasoning", "json", "long_context"), id="o3-mini-no-vision"),
        pytest.param("anthropic/claude-sonnet-4-5", ("vision", "tools", "reasoning", "long_context"), id="claude-4"),
        pytest.param("claude/claude-3-5-haiku-20241022", ("tools", "long_context"), id="claude-3-5-haiku"),
        pytest.param("anthropic/claude-3-opus", ("vision", "tools", "long_context"), id="claude-3"),
        pytest.param("gemini/gemini-2.5-flash-lite", ALL, id="gemini-2.5"),
        pytest.param("deepseek/deepseek-reasoner", ("reasoning",), id="deepseek-reasoner"),
        pytest.param("deepseek/deepseek-chat", ("tools", "json"), id="deepseek-chat"),
        pytest.param("together/meta-llama/Llama-3.3-70B-Instruct-Turbo", ("tools",), id="llama-together"),
        pytest.param("fireworks/accounts/fireworks/models/llama-v3p3-70b-instruct", ("tools",), id="llama-fireworks"),
        pytest.param("ollama/llama3.3:70b", ("tools",), id="llama-ollama-tag"),
        pytest.param("mistral/codestral-latest", ("tools", "json", "long_context"), id="codestral"),
        pytest.param("xai/grok-3-mini", ("tools", "reasoning", "json"), id="grok-3-mini-before-grok-3"),
        pytest.param("fake/mystery-1", (), id="unknown-claims-nothing"),
        pytest.param("openrouter/openrouter/auto", (), id="router-alias-unknown"),
        pytest.param("custom/my-gpt-5-finetune", (), id="matched-at-the-start-only"),
    ],
)
def test_declared_capabilities(model: str, expected: tuple[str, ...]) -> None:
    assert capabilities_of(model) == expected


def test_model_name_is_the_last_segment_lower_cased() -> None:
    assert model_name(" Together/Meta-Llama/Llama-3.3-70B ") == "llama-3.3-70b"


def test_every_rule_claims_known_capabilities_and_names_its_family() -> None:
    for rule in RULES:
        assert rule.capabilities <= set(CAPABILITIES), rule
        assert rule.family


@pytest.mark.parametrize("key", sorted(BUILTIN_PRICES))
def test_long_context_matches_the_price_tables_window(key: str) -> None:
    """For every built-in priced model a rule knows: long_context is claimed iff its window is >= 200k."""
    window = BUILTIN_PRICES[key].context_window
    assert rule_for(key) is not None, f"{key} has a list price but no capability rule"
    assert window is not None
    assert ("long_context" in capabilities_of(key)) == (window >= LONG_CONTEXT_TOKENS)


def test_every_catalog_default_model_of_a_known_family_is_covered() -> None:
    families = {"openai", "anthropic", "gemini", "deepseek", "groq", "mistral", "xai"}
    for spec in CATALOG.values():
        if spec.id in families:
            for model in spec.models:
                assert capabilities_of(f"{spec.id}/{model}"), f"{spec.id}/{model}"


def test_has_all_and_common() -> None:
    assert has_all("fake/gpt-4.1-mini", ["vision", "json"])
    assert not has_all("fake/gpt-4.1-mini", ["reasoning"])
    assert has_all("fake/mystery-1", [])
    assert common(["openai/gpt-5", "fake/gpt-4o", "x/deepseek-chat"]) == ("tools", "json")
    assert common(["openai/gpt-5", "fake/mystery-1"]) == ()
    assert common([]) == ()


async def test_catalog_entries_carry_capabilities_price_and_window(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        entries = {e.id: e for e in catalog(k.gateway)}
    mini = entries["fake/gpt-4.1-mini"]
    assert mini.kind == "model"
    assert mini.owned_by == "fake"
    assert mini.capabilities == ["vision", "tools", "json", "long_context"]
    assert mini.price is not None
    assert (mini.price.input, mini.price.output, mini.price.blended) == (0.40, 1.60, 0.7)
    assert mini.context_window == BUILTIN_PRICES["openai/gpt-4.1-mini"].context_window
    odd = entries["odd/mystery-1"]
    assert (odd.capabilities, odd.price, odd.context_window) == ([], None, None)
    stack = entries["stack"]
    assert stack.kind == "combo"
    assert stack.targets == ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"]
    assert stack.capabilities == ["vision", "tools", "json", "long_context"]
    assert stack.price is None
    assert stack.context_window == mini.context_window
    assert entries["oddball"].capabilities == []
    assert entries["oddball"].context_window is None, "a target's window is unknown"


async def test_catalog_filters_and_follows_a_price_changed_at_run_time(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        reasoning = [e.id for e in catalog(k.gateway, capability="reasoning")]
        vision_combos = [e.id for e in catalog(k.gateway, provider="combo", capability="vision")]
        await Admin(k.gateway).save_price(PriceRow("fake/gpt-4.1-mini", 4.0, 16.0, context_window=64_000))
        (mini,) = catalog(k.gateway, provider="fake")
    assert reasoning == ["reasoner/o4-mini"]
    assert vision_combos == ["stack", "rotor", "quick", "thrifty"]
    assert mini.price is not None
    assert (mini.price.input, mini.price.output, mini.price.blended) == (4.0, 16.0, 7.0)
    assert mini.context_window == 64_000
