"""core/advise.py: the ranking follows the live measurements and prices (change them and it changes),
keeps to the declared capabilities, and explains every score."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from omniroute_agent.core.admin import Admin
from omniroute_agent.core.advise import advise, read_task, weights_for
from omniroute_agent.core.strategies import AUTO_WEIGHTS
from omniroute_agent.errors import NotFound
from omniroute_agent.store.base import ComboRow, PriceRow
from tests.unit.core.insight_kit import Kit, kit

pytestmark = pytest.mark.anyio

MINI, NANO, ODD = "fake/gpt-4.1-mini", "backup/gpt-4.1-nano", "odd/mystery-1"
SAME_PRICE = [PriceRow(MINI, 1.0, 1.0), PriceRow(NANO, 1.0, 1.0)]


def scores(k: Kit, task: str = "chat", *required: str) -> dict[str, float]:
    return {c.name: c.score for c in advise(k.gateway, task, required).candidates}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("task", "needs", "emphasis"),
    [
        pytest.param("small talk", [], [], id="nothing"),
        pytest.param("Read the SCREENSHOT and answer in JSON", ["vision", "json"], [], id="vision-json"),
        pytest.param("an agent that makes API calls", ["tools"], [], id="tools"),
        pytest.param("prove it step by step", ["reasoning"], [], id="reasoning"),
        pytest.param("summarise the entire codebase", ["long_context"], [], id="long-context"),
        pytest.param("cheap bulk tagging", [], ["cost"], id="cost"),
        pytest.param("fast, interactive autocomplete", [], ["latency"], id="latency"),
        pytest.param("imagery for agentsmith in jsonl", [], [], id="whole-words-only"),
    ],
)
def test_read_task(task: str, needs: list[str], emphasis: list[str]) -> None:
    assert read_task(task) == (needs, emphasis)


def test_weights_start_at_auto_and_double_the_emphasis() -> None:
    assert weights_for([]) == AUTO_WEIGHTS
    cost = weights_for(["cost"])
    assert cost["cost"] == round(0.30 / 1.15, 4)
    assert sum(cost.values()) == pytest.approx(1.0, abs=1e-3)


async def test_measured_latency_ranks_and_a_change_reranks(tmp_path: Path) -> None:
    async with kit(tmp_path, prices=SAME_PRICE) as k:
        k.observe(MINI, 10.0, 10.0)
        k.observe(NANO, 100.0, 100.0)
        first = scores(k)
        k.observe(MINI, *[400.0] * 40)  # fake became slow: its p95 moves to 400 ms
        second = scores(k)
    assert first["quick"] == 1.0
    assert first["thrifty"] == round(0.35 * 0.1 + 0.30 + 0.15 + 0.20, 4)
    assert first["quick"] > first["thrifty"]
    assert second["thrifty"] > second["quick"]
    assert second["thrifty"] == 1.0


async def test_prices_rank_and_a_price_set_at_run_time_reranks(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.observe(MINI, 10.0)
        k.observe(NANO, 10.0)
        listed = scores(k, "cheap bulk tagging")
        await Admin(k.gateway).save_price(PriceRow(NANO, 5.0, 5.0))
        repriced = scores(k, "cheap bulk tagging")
    assert listed["thrifty"] > listed["quick"], "gpt-4.1-nano's list price is a quarter of -mini's"
    assert repriced["quick"] > repriced["thrifty"]


async def test_candidate_numbers_and_explanation(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.observe(MINI, 10.0, 20.0, failed=2)
        k.router.accounts.set_headroom("fake-1", 0.5)
        advice = advise(k.gateway, "chat")
    quick = next(c for c in advice.candidates if c.name == "quick")
    assert (quick.kind, quick.lead, quick.p95_ms, quick.error_rate, quick.price_per_mtok) == (
        "combo",
        MINI,
        20.0,
        0.5,
        0.7,
    )
    assert (quick.quota_headroom, quick.health, quick.coverage) == (0.5, 1.0, 1.0)
    assert (quick.terms.latency, quick.terms.errors, quick.terms.quota) == (1.0, 0.5, 0.5)
    assert quick.explanation.startswith(f"lead {MINI}; p95 20.0 ms (L 1.00); error rate 50.0%; $0.700/1M blended")
    assert [c.rank for c in advice.candidates] == list(range(1, len(advice.candidates) + 1))
    ranked = [c.score for c in advice.candidates]
    assert ranked == sorted(ranked, reverse=True)
    assert advice.considered == "combos"


async def test_capabilities_filter_and_coverage_scale_the_score(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.gateway.table.put_combo(ComboRow("mixed", "priority", [MINI, ODD]))
        vision = advise(k.gateway, "caption the photos")
        reasoning = advise(k.gateway, "chat", ["reasoning"])
    names = {c.name: c for c in vision.candidates}
    assert vision.required == ["vision"]
    assert "oddball" not in names
    assert names["mixed"].coverage == 0.5
    assert names["mixed"].score == pytest.approx(names["quick"].score / 2, abs=1e-4)
    assert "1/2 targets declare vision" in names["mixed"].explanation
    assert reasoning.considered == "models"
    assert [(c.name, c.kind) for c in reasoning.candidates] == [("reasoner/o4-mini", "model")]


async def test_a_lead_that_cannot_be_tried_gives_way(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        for conn in ("fake-1", "fake-2"):
            k.router.accounts.failed(conn, model=None, retry_after=None, base=60.0)
        advice = advise(k.gateway, "chat")
    names = {c.name: c for c in advice.candidates}
    assert (names["quick"].lead, names["quick"].score, names["quick"].health) == (None, 0.0, 0.0)
    assert "no capable target can be tried now" in names["quick"].explanation
    assert names["stack"].lead == NANO, "stack falls back to its next target"
    assert advice.candidates[-1].score == 0.0


async def test_nothing_declaring_the_needs_is_not_found(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        table = k.gateway.table
        reasoner = table.providers["reasoner"].connections[0]
        table.put_connection(replace(reasoner, enabled=False))  # its model is no longer offered
        with pytest.raises(NotFound, match="no configured combo or model declares reasoning"):
            advise(k.gateway, "prove the lemma")
