"""The reporting skills (skills/quota_management, provider_discovery, cost_analysis, health_report)
run directly against an in-process Gateway (tests/unit/core/insight_kit.py): `check` refuses bad
input, `run` answers with a text report and the same numbers as data, read from the live core.
The end-to-end path over A2A is tests/e2e/test_a2a_skills.py."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from omniroute_agent.a2a.skill import InputRequired, SkillRequest, SkillResult
from omniroute_agent.core.budget import Budget, scopes
from omniroute_agent.core.capabilities import CAPABILITIES
from omniroute_agent.core.insights import CircuitInfo, cost_report, quota_report, target_stats
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.skills import SKILLS, cost_analysis, health_report, provider_discovery, quota_management
from omniroute_agent.skills.report import duration, usd
from tests.unit.core.insight_kit import kit, row

pytestmark = pytest.mark.anyio

MINI, NANO = "fake/gpt-4.1-mini", "backup/gpt-4.1-nano"
AGENT_JSON = Path(__file__).resolve().parents[3] / "agent.json"


def ask(text: str = "", history: list[str] | None = None, **metadata: Any) -> SkillRequest:
    return SkillRequest("task-1", "ctx-1", text, metadata, "req-1", history or [])


def test_the_card_lists_every_skill_of_the_table() -> None:
    """server/card.py refuses to start when agent.json and SKILLS differ; each entry is complete."""
    card = json.loads(AGENT_JSON.read_text())
    assert [s["id"] for s in card["skills"]] == list(SKILLS)
    for skill in card["skills"]:
        assert {"id", "name", "description", "tags", "examples", "inputModes", "outputModes"} <= set(skill)
        assert skill["examples"]


def test_history_text_joins_the_turns_oldest_first() -> None:
    assert ask("this week", ["How much did I spend?"]).history_text == "How much did I spend?\nthis week"
    assert ask("only").history_text == "only"
    assert SkillResult("x").data is None


# ---------------------------------------------------------------- shared metadata


@pytest.mark.parametrize("skill", sorted(set(SKILLS) - {"smart-routing"}))
@pytest.mark.parametrize("prose", ["yes", 1, None])
async def test_prose_must_be_a_boolean(tmp_path: Path, skill: str, prose: Any) -> None:
    async with kit(tmp_path) as k:
        with pytest.raises(InvalidRequest, match="'prose' must be true or false"):
            SKILLS[skill].check(k.gateway, ask("week", prose=prose))


async def test_prose_without_a_default_model_is_the_plain_report(tmp_path: Path) -> None:
    """The model phrases only when a default model is configured; the prose path itself is e2e."""
    async with kit(tmp_path) as k:
        k.gateway.table.default_model = None
        plain = await health_report.run(k.gateway, ask())
        asked = await health_report.run(k.gateway, ask(prose=True))
    assert asked.metadata == {}
    assert asked.text.splitlines()[1:] == plain.text.splitlines()[1:]  # the header's uptime moved on


# ---------------------------------------------------------------- quota-management


async def test_quota_reports_connections_circuits_and_budgets(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.gateway.budgets = [Budget("global", "month", 10.0), Budget("combo:stack", "day", 0.5, "degrade", "thrifty")]
        k.gateway.ledger.add(scopes(key_id=None, combo="stack"), 0.75, time.time())  # budgets read the real clock
        k.router.accounts.set_headroom("fake-2", 0.4)
        k.router.accounts.failed("fake-1", model=None, retry_after=None, base=300.0)
        k.router.breaker.record_failure("backup")
        everything = await quota_management.run(k.gateway, ask("how much quota is left?"))
        expected = quota_report(k.gateway).model_dump(mode="json")
        one = await quota_management.run(k.gateway, ask(provider="fake"))
        with pytest.raises(InvalidRequest, match=r"no provider 'nope' \(providers: backup, fake, odd, reasoner\)"):
            quota_management.check(k.gateway, ask(provider="nope"))
        with pytest.raises(InvalidRequest, match="'provider' must be a string"):
            quota_management.check(k.gateway, ask(provider=3))

    assert everything.data is not None
    assert everything.data["budgets"] == expected["budgets"]
    assert [p["provider"] for p in everything.data["providers"]] == ["fake", "backup", "odd", "reasoner"]
    assert one.data is not None
    assert [p["provider"] for p in one.data["providers"]] == ["fake"]
    assert one.data["budgets"] == expected["budgets"], "budgets are not per provider"
    first, second = one.data["providers"][0]["connections"]
    assert first["cooldown_s"] == 300.0
    assert second["headroom"] == 0.4

    text = everything.text
    assert "fake-1 (key 1): cooling down 300.0s, headroom unknown, backoff level 1" in text
    assert "fake-2 (key 2): ready, headroom 40.0%" in text
    assert "backup: circuit open, 1 failure(s) counted, probe in 30.0s" in text
    assert "global/month: $0.750000 of $10.00 (7.5%), $9.25 left" in text
    assert "combo:stack/day: $0.750000 of $0.500000 (150.0%), $0.000000 left; exhausted: requests go to thrifty" in text


# ---------------------------------------------------------------- provider-discovery


@pytest.mark.parametrize(
    ("text", "metadata", "expected"),
    [
        pytest.param("Which providers support vision?", {}, ["vision"], id="text-vision"),
        pytest.param("who can look at images", {}, ["vision"], id="text-images"),
        pytest.param("function calling and JSON output?", {}, ["tools", "json"], id="text-two"),
        pytest.param("which providers are there?", {}, [], id="text-none"),
        pytest.param("which providers support vision?", {"capability": "reasoning"}, ["reasoning"], id="metadata"),
        pytest.param("", {"capability": ["json", "tools"]}, ["tools", "json"], id="metadata-list"),
    ],
)
def test_the_capability_filter_comes_from_metadata_or_text(
    text: str, metadata: dict[str, Any], expected: list[str]
) -> None:
    assert provider_discovery.wanted(ask(text, **metadata)) == expected


def test_every_capability_can_be_asked_for_in_words() -> None:
    assert set(provider_discovery.SAYS) == set(CAPABILITIES)


@pytest.mark.parametrize("capability", ["telepathy", 5, ["vision", 5]])
async def test_an_unknown_capability_is_refused(tmp_path: Path, capability: Any) -> None:
    async with kit(tmp_path) as k:
        with pytest.raises(InvalidRequest, match="capability"):
            provider_discovery.check(k.gateway, ask(capability=capability))


async def test_discovery_lists_providers_models_capabilities_and_health(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.observe(MINI, 10.0, failed=1)
        k.router.accounts.failed("fake-1", model=None, retry_after=None, base=60.0)
        k.router.accounts.failed("backup-1", model=None, retry_after=None, base=60.0)
        k.router.breaker.record_failure("odd")
        everything = await provider_discovery.run(k.gateway, ask("what can you route to?"))
        reasoning = await provider_discovery.run(k.gateway, ask("which providers do reasoning?"))

    assert everything.data is not None
    providers = {p["id"]: p for p in everything.data["providers"]}
    assert list(providers) == ["fake", "backup", "odd", "reasoner"]
    fake = providers["fake"]
    assert fake["format"] == "openai"
    assert fake["models"] == [{"id": MINI, "capabilities": ["vision", "tools", "json", "long_context"]}]
    assert fake["connections"] == {"enabled": 2, "total": 2, "cooling_down": 1}
    assert fake["health"]["status"] == "degraded"
    assert (fake["health"]["requests"], fake["health"]["failed"], fake["health"]["error_rate"]) == (2, 1, 0.5)
    assert (providers["backup"]["health"]["status"], providers["backup"]["health"]["reason"]) == (
        "down",
        "every connection cooling down",
    )
    assert (providers["odd"]["health"]["status"], providers["odd"]["health"]["reason"]) == ("down", "circuit open")
    assert providers["odd"]["models"] == [{"id": "odd/mystery-1", "capabilities": []}]
    assert providers["reasoner"]["health"]["status"] == "ok"
    assert "fake/gpt-4.1-mini: vision, tools, json, long_context" in everything.text
    assert "odd/mystery-1: no declared capabilities" in everything.text
    assert "fake [openai]: degraded (1 of 2 connections cooling down); 2/2 connections enabled" in everything.text

    assert reasoning.data is not None
    assert reasoning.data["capabilities"] == ["reasoning"]
    assert [p["id"] for p in reasoning.data["providers"]] == ["reasoner"]
    assert reasoning.text.startswith("1 provider with models declaring reasoning")


@pytest.mark.parametrize(
    ("circuit", "enabled", "cooling", "expected"),
    [
        pytest.param("closed", 2, 0, "ok", id="ok"),
        pytest.param("closed", 2, 1, "degraded", id="some-cooling"),
        pytest.param("half-open", 2, 0, "degraded", id="half-open"),
        pytest.param("closed", 2, 2, "down", id="all-cooling"),
        pytest.param("open", 2, 0, "down", id="open"),
        pytest.param("closed", 0, 0, "down", id="no-connection"),
    ],
)
def test_provider_status(circuit: str, enabled: int, cooling: int, expected: str) -> None:
    info = CircuitInfo(state=circuit, failures=0, open_for_s=None)
    assert provider_discovery._status(info, enabled, cooling, True)[0] == expected


# ---------------------------------------------------------------- cost-analysis


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("How much did I spend today?", "day"),
        ("daily spend", "day"),
        ("what did this week cost", "week"),
        ("the last 7 days", "week"),
        ("Monthly please", "month"),
        ("since the restart", "session"),
        ("session", "session"),
        ("this week, or the month?", "week"),
        ("yesterday and Monday", None),
        ("How much did I spend?", None),
    ],
)
def test_a_period_is_read_from_the_text(text: str, expected: str | None) -> None:
    assert cost_analysis.period_in(text) == expected


async def test_without_a_period_the_skill_asks_then_reads_the_answer(tmp_path: Path) -> None:
    """The input-required conversation: turn one has no period, so `run` asks; turn two's text
    (with turn one in history) names it, and the report covers that period."""
    async with kit(tmp_path) as k:
        start = k.gateway.started_at
        await k.usage(row("a", start + 1, combo="stack", cost=0.01), row("b", start + 2, target=NANO, cost=0.02))
        first = ask("How much did I spend, by model?")
        cost_analysis.check(k.gateway, first)  # no period is not bad input: the skill asks for it
        with pytest.raises(InputRequired) as asked:
            await cost_analysis.run(k.gateway, first)
        vague = ask("hmm, not sure", [first.text])
        with pytest.raises(InputRequired):
            await cost_analysis.run(k.gateway, vague)
        answer = await cost_analysis.run(k.gateway, ask("the session", [first.text, vague.text]))
        expected = (await cost_report(k.gateway, "session")).model_dump(mode="json")

    assert asked.value.question == cost_analysis.QUESTION == "Which period: day, week, month or session?"
    assert answer.data is not None
    assert answer.data["period"] == "session"
    assert answer.data["totals"] == expected["totals"]
    assert answer.data["totals"]["requests"] == 2
    assert answer.data["totals"]["cost_usd"] == pytest.approx(0.03)
    assert {g["key"]: g["requests"] for g in answer.data["by_model"]} == {MINI: 1, NANO: 1}
    lines = answer.text.splitlines()
    assert lines[0].startswith("Spend this session (since 2025-06-15 15:06 UTC): $0.030000 over 2 requests")
    assert lines[2] == f"By model: {NANO} $0.020000 (1 req); {MINI} $0.010000 (1 req)"
    assert lines[3] == "By combo: (no combo) $0.020000 (1 req); stack $0.010000 (1 req)"


async def test_metadata_period_wins_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        answer = await cost_analysis.run(k.gateway, ask("this week", period="month"))
        with pytest.raises(InvalidRequest, match="'period' is one of session, day, week, month, not 'fortnight'"):
            cost_analysis.check(k.gateway, ask(period="fortnight"))
        with pytest.raises(InvalidRequest, match="'period' must be a string"):
            cost_analysis.check(k.gateway, ask(period=7))
    assert answer.data is not None
    assert answer.data["period"] == "month"
    assert answer.text.startswith("Spend this month")


# ---------------------------------------------------------------- health-report


async def test_health_reports_providers_circuits_cooldowns_and_target_latency(tmp_path: Path) -> None:
    async with kit(tmp_path) as k:
        k.observe(MINI, 10.0, 20.0, 30.0, failed=1)
        k.observe(NANO, 50.0)
        k.router.accounts.failed("fake-1", model=None, retry_after=None, base=60.0)
        k.router.breaker.record_failure("odd")
        answer = await health_report.run(k.gateway, ask("are you healthy?"))
        stats = target_stats(k.router)
        health = await k.gateway.health()

    data = answer.data
    assert data is not None
    assert (data["status"], data["store"], data["combos"]) == ("ok", "ok", 5)
    providers = {p["id"]: p for p in data["providers"]}
    assert providers["fake"]["cooldowns"] == {"fake-1": 60.0} == {"fake-1": health["cooldowns"]["fake-1"]}
    assert providers["fake"]["cooling_down"] == 1
    assert providers["odd"]["circuit"]["state"] == "open"
    targets = {t["target"]: t for t in data["targets"]}
    assert set(targets) == set(stats) == {MINI, NANO}
    mini = targets[MINI]
    assert (mini["requests"], mini["failed"], mini["error_rate"]) == (4, 1, 0.25)
    latency = stats[MINI].latency_ms
    assert latency is not None
    assert mini["latency_ms"] == latency.model_dump()
    assert mini["latency_ms"]["p50"] == 20.0

    lines = answer.text.splitlines()
    assert lines[0].startswith("Gateway ok (v")
    fake_line = lines.index("fake [openai]: circuit closed; 2/2 connections enabled; cooling down: fake-1 60.0s")
    assert lines[fake_line + 1] == (
        f"  {MINI}: 4 calls, 1 failed (25.0%); p50 20.0ms, p95 30.0ms; last 5 min: 4 calls, 25.0% failed"
    ), "a provider's targets follow it"
    assert "odd [openai]: circuit open, 1 failure(s) counted, probe in 30.0s; 1/1 connections enabled" in lines


def test_usd_keeps_small_amounts_readable() -> None:
    assert (usd(0.0000123), usd(0.5), usd(12.345)) == ("$0.000012", "$0.500000", "$12.35")


@pytest.mark.parametrize(
    ("seconds", "shown"), [(42.04, "42.0s"), (200, "3m 20s"), (18_420, "5h 07m"), (183_600, "2d 03h")]
)
def test_duration(seconds: float, shown: str) -> None:
    assert duration(seconds) == shown
