"""The reporting skills over A2A 0.3 JSON-RPC `message/send`, end to end: the real `omniroute`
process serves some /v1 traffic (with faults scripted on the fake upstream, so the numbers are not
all zero), then each skill is asked through /a2a (message metadata `skill`) and its answer (the
text part and the data part of the artifact) is checked against the management API of the same
process: /api/quota, /api/budgets, /api/usage, /api/health, /api/metrics.

The gateway runs the standard test config (conftest.write_config): providers `fake` (keys k1, k2,
gpt-4.1-mini) and `backup` (b1, gpt-4.1-nano), the combo `stack` = fake then backup as the default
model, and the gateway key `sk-local-1`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from a2a.compat.v0_3 import types as v03

from omniroute_agent.skills import SKILLS
from omniroute_agent.skills.cost_analysis import QUESTION
from omniroute_agent.skills.report import usd
from tests.conftest import GATEWAY_KEY, GatewayProcess
from tests.fakes.upstream import WIRE, FakeUpstream, Reply

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

AUTH = {"Authorization": f"Bearer {GATEWAY_KEY}"}
ASK = [{"role": "user", "content": "What is the capital of France?"}]
FIXTURE_ANSWER = json.loads((WIRE / "openai-chat/text.response.json").read_text())["choices"][0]["message"]["content"]
MINI, NANO = "fake/gpt-4.1-mini", "backup/gpt-4.1-nano"
RATE_LIMITED = {"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "40"}


# ---------------------------------------------------------------- helpers


def message(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "message",
        "role": "user",
        "messageId": str(uuid.uuid4()),
        "parts": [{"kind": "text", "text": text}],
    } | extra


async def rpc(gw: GatewayProcess, method: str, params: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as hc:
        resp = await hc.post(
            gw.base_url + "/a2a", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params}, headers=AUTH
        )
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def send(gw: GatewayProcess, text: str, **extra: Any) -> dict[str, Any]:
    """message/send (blocking); the result is a strictly valid 0.3 Task, returned as JSON."""
    body = await rpc(gw, "message/send", {"message": message(text, **extra)})
    assert "error" not in body, body
    v03.Task.model_validate(body["result"])
    task: dict[str, Any] = body["result"]
    return task


async def ask(gw: GatewayProcess, skill: str, text: str = "", **metadata: Any) -> dict[str, Any]:
    task = await send(gw, text or f"{skill}, please", metadata={"skill": skill, **metadata})
    assert task["status"]["state"] == "completed", task["status"]
    return task


def answer(task: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The artifact's text part and data part."""
    (artifact,) = task["artifacts"]
    kinds = [p["kind"] for p in artifact["parts"]]
    assert kinds == ["text", "data"], kinds
    return artifact["parts"][0]["text"], artifact["parts"][1]["data"]


async def rpc_error(gw: GatewayProcess, text: str, metadata: dict[str, Any]) -> dict[str, Any]:
    body = await rpc(gw, "message/send", {"message": message(text, metadata=metadata)})
    assert "result" not in body, body
    error: dict[str, Any] = body["error"]
    return error


def chat(gw: GatewayProcess, model: str) -> int:
    resp = httpx.post(gw.v1 + "/chat/completions", headers=AUTH, json={"model": model, "messages": ASK}, timeout=30)
    return resp.status_code


def api(gw: GatewayProcess, path: str, **params: str) -> Any:
    resp = httpx.get(gw.base_url + path, params=params, headers=AUTH, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


def traffic(gw: GatewayProcess, upstream: FakeUpstream) -> None:
    """Five answered requests with faults on the way: fake's first key is rejected (a long cooldown)
    and its second answers with rate-limit headers; then fake fails once with a 500 (stack falls
    back to backup); two more go to backup by name, one to fake."""
    upstream.script("fake", Reply.error("openai-chat", 401), Reply(headers=RATE_LIMITED))
    assert chat(gw, "stack") == 200
    upstream.script("fake", Reply.error("openai-chat", 500))
    assert chat(gw, "stack") == 200
    assert chat(gw, NANO) == 200
    assert chat(gw, NANO) == 200
    upstream.script("fake", Reply(headers=RATE_LIMITED))
    assert chat(gw, MINI) == 200


# ---------------------------------------------------------------- the card


async def test_the_card_lists_each_skill(gateway: GatewayProcess) -> None:
    """agent.json (served by server/card.py) names every skill of skills.SKILLS, each a valid 0.3 AgentSkill."""
    async with httpx.AsyncClient(timeout=30) as hc:
        raw = (await hc.get(gateway.base_url + "/.well-known/agent-card.json")).json()
    card = v03.AgentCard.model_validate(raw)
    assert [s.id for s in card.skills] == list(SKILLS)
    for skill in card.skills:
        assert skill.description
        assert skill.tags
        assert skill.examples


# ---------------------------------------------------------------- quota-management


async def test_quota_management_matches_the_quota_and_budgets_api(gateway: GatewayProcess, upstream: FakeUpstream):
    """skills/quota_management.py: per connection the cooldown and headroom /api/quota reports, the
    provider's circuit, and every budget with what /api/budgets says it spent."""
    resp = httpx.post(
        gateway.base_url + "/api/budgets",
        headers=AUTH,
        json={"scope": "global", "period": "month", "limit_usd": 5.0, "action": "block"},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    traffic(gateway, upstream)
    text, data = answer(await ask(gateway, "quota-management", "How much quota is left?"))
    quota_api = {c["connection"]: c for c in api(gateway, "/api/quota")["connections"]}
    (budget_api,) = api(gateway, "/api/budgets")["budgets"]

    providers = {p["provider"]: p for p in data["providers"]}
    assert set(providers) == {"fake", "backup"}
    rejected, answered = providers["fake"]["connections"]
    assert rejected["cooldown_s"] > 60, "a rejected key cools down for minutes"
    assert rejected["cooldown_s"] == pytest.approx(quota_api[rejected["connection"]]["cooldown_s"], abs=1.0)
    assert rejected["backoff_level"] == 1
    assert answered["cooldown_s"] == quota_api[answered["connection"]]["cooldown_s"] == 0
    assert answered["headroom"] == pytest.approx(0.4)
    assert quota_api[answered["connection"]]["headroom"] == pytest.approx(0.4)
    assert providers["fake"]["circuit"]["state"] == "closed"
    assert set(quota_api) == {c["connection"] for p in data["providers"] for c in p["connections"]}
    (budget,) = data["budgets"]
    assert budget["id"] == budget_api["id"] == "global/month"
    assert budget["spent_usd"] > 0
    assert budget["spent_usd"] == pytest.approx(budget_api["spent_usd"], abs=1e-6)
    assert budget["exhausted"] is False

    assert f"{answered['connection']} (config key 2): ready, headroom 40.0%" in text
    assert f"{rejected['connection']} (config key 1): cooling down" in text
    assert f"global/month: {usd(budget['spent_usd'])} of $5.00" in text

    _, only = answer(await ask(gateway, "quota-management", "backup only", provider="backup"))
    assert [p["provider"] for p in only["providers"]] == ["backup"]
    assert only["budgets"] == data["budgets"], "budgets are not per provider"


# ---------------------------------------------------------------- provider-discovery


async def test_provider_discovery_lists_models_capabilities_and_health(gateway: GatewayProcess, upstream: FakeUpstream):
    """skills/provider_discovery.py: the providers /api/health lists, their models as /v1/models
    names them, with declared capabilities; a capability asked in words filters the models; fake,
    with its first key rejected, is degraded."""
    traffic(gateway, upstream)
    text, data = answer(await ask(gateway, "provider-discovery", "What can you route to?"))
    health = {p["id"]: p for p in api(gateway, "/api/health")["providers"]}
    listed = {m["id"] for m in api(gateway, "/v1/models")["data"]}

    assert data["capabilities"] == []
    providers = {p["id"]: p for p in data["providers"]}
    assert set(providers) == set(health) == {"fake", "backup"}
    for pid, info in providers.items():
        assert info["format"] == health[pid]["format"] == "openai"
        assert info["connections"]["total"] == health[pid]["connections"]
        assert info["connections"]["enabled"] == health[pid]["enabled"]
        assert info["connections"]["cooling_down"] == health[pid]["cooling_down"]
        assert info["health"]["circuit"]["state"] == health[pid]["circuit"]
        assert {m["id"] for m in info["models"]} <= listed
    assert providers["fake"]["models"] == [{"id": MINI, "capabilities": ["vision", "tools", "json", "long_context"]}]
    assert providers["fake"]["health"]["status"] == "degraded"
    assert providers["fake"]["health"]["reason"] == "1 of 2 connections cooling down"
    assert (providers["fake"]["health"]["requests"], providers["fake"]["health"]["failed"]) == (4, 2)
    assert providers["backup"]["health"]["status"] == "ok"
    assert f"{MINI}: vision, tools, json, long_context" in text
    assert "fake [openai]: degraded (1 of 2 connections cooling down); 2/2 connections enabled" in text

    _, vision = answer(await ask(gateway, "provider-discovery", "Which providers support vision?"))
    assert vision["capabilities"] == ["vision"]
    assert {p["id"] for p in vision["providers"]} == {"fake", "backup"}
    text, reasoning = answer(await ask(gateway, "provider-discovery", "who does reasoning?"))
    assert reasoning == {"capabilities": ["reasoning"], "providers": []}, "gpt-4.1 declares no thinking mode"
    assert text == "0 providers with models declaring reasoning"


# ---------------------------------------------------------------- cost-analysis


async def test_cost_analysis_agrees_with_the_usage_api(gateway: GatewayProcess, upstream: FakeUpstream):
    """skills/cost_analysis.py: totals and the breakdowns by provider, model and combo are the
    stored usage rows /api/usage reports, for the period in metadata or in the text."""
    traffic(gateway, upstream)
    text, data = answer(await ask(gateway, "cost-analysis", "What did I spend?", period="day"))
    by = {
        g: {r[g]: r for r in api(gateway, "/api/usage", period="day", group_by=g)["rows"]} for g in ("model", "combo")
    }

    assert data["period"] == "day"
    assert data["totals"]["requests"] == 5
    assert data["totals"]["succeeded"] == 5
    assert data["totals"]["cost_usd"] > 0
    assert data["totals"]["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in by["model"].values()))
    models = {r["key"]: r for r in data["by_model"]}
    assert {k: r["requests"] for k, r in models.items()} == {MINI: 2, NANO: 3}
    for key, row in models.items():
        assert row["requests"] == by["model"][key]["requests"]
        assert row["cost_usd"] == pytest.approx(by["model"][key]["cost_usd"])
        assert row["prompt_tokens"] == by["model"][key]["prompt_tokens"]
    assert {r["key"]: r["requests"] for r in data["by_combo"]} == {"stack": 2, None: 3}
    assert {r["key"]: r["requests"] for r in data["by_provider"]} == {"fake": 2, "backup": 3}
    assert text.startswith("Spend today (since ")
    assert f"{usd(data['totals']['cost_usd'])} over 5 requests (5 succeeded, 0 failed)" in text
    assert f"{NANO} {usd(models[NANO]['cost_usd'])} (3 req)" in text

    text, week = answer(await ask(gateway, "cost-analysis", "and this week?"))
    assert week["period"] == "week"
    assert text.startswith("Spend this week")
    assert week["totals"]["requests"] == 5, "the skills made no model calls of their own"


async def test_cost_analysis_asks_for_the_period_and_continues_the_task(
    gateway: GatewayProcess, upstream: FakeUpstream
):
    """The input-required conversation (needs the engine's input-required support): no period in
    metadata or text, so the task stops in input-required with the question; the caller's answer on
    the same task completes it with the period the answer names."""
    assert chat(gateway, "stack") == 200
    first = await send(gateway, "How much did I spend, by model?", metadata={"skill": "cost-analysis"})
    assert first["status"]["state"] == "input-required", first["status"]
    assert first["status"]["message"]["role"] == "agent"
    assert first["status"]["message"]["parts"][0]["text"] == QUESTION
    assert not first.get("artifacts")
    stored = (await rpc(gateway, "tasks/get", {"id": first["id"]}))["result"]
    assert stored["status"]["state"] == "input-required"

    vague = await send(gateway, "not sure", taskId=first["id"])
    assert vague["status"]["state"] == "input-required", "still no period: asked again"

    done = await send(gateway, "this month", taskId=first["id"], contextId=first["contextId"])
    assert done["id"] == first["id"]
    assert done["status"]["state"] == "completed", done["status"]
    text, data = answer(done)
    assert data["period"] == "month"
    assert data["totals"]["requests"] == 1
    usage = api(gateway, "/api/usage", period="month", group_by="model")
    assert data["totals"]["cost_usd"] == pytest.approx(usage["total_cost_usd"], abs=1e-6)
    assert text.startswith("Spend this month")
    users = [m["parts"][0]["text"] for m in done["history"] if m["role"] == "user"]
    assert users == ["How much did I spend, by model?", "not sure", "this month"]


# ---------------------------------------------------------------- health-report


async def test_health_report_matches_health_and_metrics(gateway: GatewayProcess, upstream: FakeUpstream):
    """skills/health_report.py: store, providers and cooldowns as /api/health reports them; per
    target the calls, failures and latency percentiles of /api/metrics."""
    traffic(gateway, upstream)
    text, data = answer(await ask(gateway, "health-report", "Is everything healthy?"))
    health = api(gateway, "/api/health")
    metrics = api(gateway, "/api/metrics")

    assert (data["status"], data["store"], data["version"]) == (health["status"], health["store"], health["version"])
    assert 0 < data["uptime_s"] <= health["uptime_s"]
    providers = {p["id"]: p for p in data["providers"]}
    for p in health["providers"]:
        mine = providers[p["id"]]
        assert (mine["connections"], mine["enabled"], mine["cooling_down"]) == (
            p["connections"],
            p["enabled"],
            p["cooling_down"],
        )
        assert mine["circuit"]["state"] == p["circuit"] == metrics["circuits"][p["id"]]
    (cooling,) = providers["fake"]["cooldowns"].items()
    assert cooling[1] == pytest.approx(health["cooldowns"][cooling[0]], abs=1.0)
    assert cooling[1] > 60

    targets = {t["target"]: t for t in data["targets"]}
    expected = {t["target"]: t for t in metrics["targets"]}
    assert set(targets) == set(expected) == {MINI, NANO}
    for label, t in targets.items():
        assert (t["requests"], t["failed"]) == (expected[label]["requests"], expected[label]["failed"])
        assert t["latency_ms"] == expected[label]["latency_ms"]
    assert (targets[MINI]["requests"], targets[MINI]["failed"], targets[MINI]["error_rate"]) == (4, 2, 0.5)
    assert (targets[NANO]["requests"], targets[NANO]["error_rate"]) == (3, 0.0)
    p50, p95 = targets[MINI]["latency_ms"]["p50"], targets[MINI]["latency_ms"]["p95"]
    assert 0 < p50 <= p95
    assert text.startswith(f"Gateway {health['status']} (v{health['version']}): store ok")
    assert f"  {MINI}: 4 calls, 2 failed (50.0%); p50 {p50:.1f}ms, p95 {p95:.1f}ms" in text


# ---------------------------------------------------------------- prose


async def test_prose_is_the_default_model_phrasing_the_data(gateway: GatewayProcess, upstream: FakeUpstream):
    """skills/report.reply: with `prose: true` the default model (stack, so fake) is sent the
    question and the data as JSON, and its answer is the text; the data part is the same data."""
    traffic(gateway, upstream)
    before = len(upstream.requests_to("fake"))
    task = await ask(gateway, "health-report", "Anything wrong?", prose=True)
    text, data = answer(task)
    assert text == FIXTURE_ANSWER
    assert task["artifacts"][0]["metadata"] == {"phrased_by": MINI}
    (sent,) = upstream.requests_to("fake")[before:]
    prompt = sent.body["messages"][-1]["content"]
    assert prompt.startswith("Question: Anything wrong?")
    phrased = json.loads(prompt.split("Data (JSON):\n", 1)[1])
    assert phrased["targets"] == data["targets"]
    assert phrased["providers"] == data["providers"]


async def test_prose_falls_back_to_the_report_when_the_model_fails(gateway: GatewayProcess, upstream: FakeUpstream):
    upstream.set_default("fake", Reply.error("openai-chat", 500))
    upstream.set_default("backup", Reply.error("openai-chat", 500))
    task = await ask(gateway, "quota-management", prose=True)
    text, data = answer(task)
    assert text.startswith("Quota: 2 providers, 0 budget(s)")
    assert "all targets for 'stack' failed" in task["artifacts"][0]["metadata"]["prose_error"]
    assert {p["provider"] for p in data["providers"]} == {"fake", "backup"}


# ---------------------------------------------------------------- bad input


BAD = [
    ("quota-unknown-provider", "quota-management", {"provider": "nope"}, "no provider 'nope'"),
    ("discovery-unknown-capability", "provider-discovery", {"capability": "telepathy"}, "unknown capability"),
    ("cost-bad-period", "cost-analysis", {"period": "fortnight"}, "'period' is one of"),
    ("health-prose-not-bool", "health-report", {"prose": "yes"}, "'prose' must be true or false"),
]


@pytest.mark.parametrize(("skill", "metadata", "says"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
async def test_bad_input_is_refused_before_a_task_exists(
    gateway: GatewayProcess, upstream: FakeUpstream, skill: str, metadata: dict[str, Any], says: str
):
    """Each skill's `check`: invalid params (-32602, the problem in its data); no model is called."""
    error = await rpc_error(gateway, "report", {"skill": skill, **metadata})
    assert error["code"] == -32602, error
    assert says in error["data"], error
    assert upstream.received == []
