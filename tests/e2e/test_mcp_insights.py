"""The read-only insight tools over MCP (Streamable HTTP inside the gateway, and stdio): metrics,
quota, cost, the dry-run router, the task advisor and the capability catalog. Every result is
checked against what the fake upstreams saw, /v1 answers, or the management API of the same process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import GATEWAY_KEY, GatewayProcess, clean_env, omniroute_command, start_gateway, write_config
from tests.fakes.upstream import FakeUpstream, Reply

pytestmark = pytest.mark.anyio

AUTH = {"authorization": f"Bearer {GATEWAY_KEY}"}
ASK = [{"role": "user", "content": "What is the capital of France?"}]
INSIGHT_TOOLS = {
    "omniroute_get_combo_metrics",
    "omniroute_check_quota",
    "omniroute_cost_report",
    "omniroute_get_provider_metrics",
    "omniroute_get_session_snapshot",
    "omniroute_simulate_route",
    "omniroute_best_combo_for_task",
    "omniroute_list_models_catalog",
}
SLOW_S = 0.3


def combos_and_odd_provider(upstream: FakeUpstream, routing: str = "") -> str:
    """Single-target combos over each provider, a round-robin pair, and a provider serving a model
    no capability rule knows (in a combo) and a reasoning model (in none)."""
    return f"""
[[combos]]
name = "quick"
models = ["fake/gpt-4.1-mini"]

[[combos]]
name = "thrifty"
models = ["backup/gpt-4.1-nano"]

[[combos]]
name = "rotor"
strategy = "round-robin"
models = ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"]

[[combos]]
name = "oddball"
models = ["odd/mystery-1"]

[[providers]]
id = "odd"
format = "openai"
base_url = "{upstream.url("odd")}"
api_keys = ["o1"]
models = ["mystery-1", "o4-mini"]
{routing}
"""


def start(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess], extra: str = "") -> GatewayProcess:
    config = write_config(tmp_path / "omniroute.toml", upstream, extra=combos_and_odd_provider(upstream, extra))
    gw = start_gateway(tmp_path / "data", config)
    gateways.append(gw)
    return gw


@pytest.fixture
def gw(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]) -> GatewayProcess:
    return start(tmp_path, upstream, gateways)


@asynccontextmanager
async def mcp(gw: GatewayProcess) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers=AUTH) as http,
        Client(streamable_http_client(gw.base_url + "/mcp", http_client=http), mode="legacy") as client,
    ):
        yield client


@asynccontextmanager
async def stdio(tmp_path: Path, upstream: FakeUpstream, extra: str = "") -> AsyncIterator[Client]:
    config = write_config(tmp_path / "omniroute.toml", upstream, extra=combos_and_odd_provider(upstream, extra))
    command, *args = omniroute_command()
    params = StdioServerParameters(
        command=command,
        args=[*args, "--mcp", "--data-dir", str(tmp_path / "data"), "--config", str(config)],
        env=clean_env(),
    )
    async with Client(params, mode="legacy") as client:
        yield client


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def error_of(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return result.content[0].text  # type: ignore[union-attr]


def chat(gw: GatewayProcess, model: str) -> httpx.Response:
    return httpx.post(gw.v1 + "/chat/completions", headers=AUTH, json={"model": model, "messages": ASK}, timeout=30)


def api(gw: GatewayProcess, path: str, **params: str) -> Any:
    resp = httpx.get(gw.base_url + path, params=params, headers=AUTH, timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_the_insight_tools_are_listed_with_truthful_read_only_annotations(gw: GatewayProcess):
    async with mcp(gw) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
    assert set(listed) >= INSIGHT_TOOLS
    for name in INSIGHT_TOOLS:
        tool = listed[name]
        assert tool.output_schema is not None, name
        notes = tool.annotations
        assert notes is not None, name
        assert notes.read_only_hint is True, name
        assert notes.idempotent_hint is True, name
        assert notes.open_world_hint is False, name
    catalog_params = listed["omniroute_list_models_catalog"].input_schema["properties"]
    assert "capability" in catalog_params


async def test_a_key_without_read_usage_is_refused_the_session_and_cost_tools(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    """The snapshot takes no input, so its error result is the guard's: the scope it needs is named."""
    health_only = "sk-health-only-0001"
    gw = start(tmp_path, upstream, gateways, f'\n[[keys]]\nkey = "{health_only}"\nscopes = ["read:health"]\n')
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {health_only}"}) as http,
        Client(streamable_http_client(gw.base_url + "/mcp", http_client=http), mode="legacy") as client,
    ):
        names = {t.name for t in (await client.list_tools()).tools}
        assert "omniroute_get_provider_metrics" in names
        assert names.isdisjoint({"omniroute_get_session_snapshot", "omniroute_cost_report", "omniroute_check_quota"})
        refused = await error_of(client, "omniroute_get_session_snapshot")
        assert (await call(client, "omniroute_get_provider_metrics", provider="backup"))["provider"] == "backup"
    assert "read:usage" in refused


async def test_combo_metrics_count_what_the_upstreams_saw_and_what_the_store_billed(
    gw: GatewayProcess, upstream: FakeUpstream
):
    upstream.script("fake", Reply.error("openai-chat", 500))  # the first request falls back to backup
    for _ in range(3):
        assert chat(gw, "stack").status_code == 200
    for _ in range(3):
        assert chat(gw, "rotor").status_code == 200
    async with mcp(gw) as client:
        stack = await call(client, "omniroute_get_combo_metrics", combo="stack")
        rotor = await call(client, "omniroute_get_combo_metrics", combo="rotor")
        unknown = await error_of(client, "omniroute_get_combo_metrics", combo="nope")

    targets = {t["target"]: t for t in stack["targets"]}
    assert list(targets) == ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"]
    # the targets are measured over every request that tried them (stack's and rotor's)
    assert targets["fake/gpt-4.1-mini"]["requests"] == len(upstream.requests_to("fake"))
    assert targets["backup/gpt-4.1-nano"]["requests"] == len(upstream.requests_to("backup"))
    assert targets["fake/gpt-4.1-mini"]["failed"] == 1
    latency = targets["fake/gpt-4.1-mini"]["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"]
    assert stack["state"]["last_good"] == "fake/gpt-4.1-mini"
    assert rotor["state"]["counter"] == 3, "round-robin counted three requests"

    usage = {r["combo"]: r for r in api(gw, "/api/usage", period="all", group_by="combo")["rows"]}
    for combo, metrics in (("stack", stack), ("rotor", rotor)):
        for window in ("usage_all", "usage_today"):
            assert metrics[window]["requests"] == usage[combo]["requests"] == 3
            assert metrics[window]["succeeded"] == 3
            assert metrics[window]["cost_usd"] == pytest.approx(usage[combo]["cost_usd"])
        assert metrics["usage_all"]["cost_usd"] > 0, "gpt-4.1-mini and -nano have list prices"
    assert "no combo 'nope'" in unknown
    assert "stack" in unknown, "the error lists the combos there are"


async def test_provider_metrics_and_quota_agree_with_the_management_api(gw: GatewayProcess, upstream: FakeUpstream):
    # fake's first key is rejected (a long auth cooldown), its second answers with rate-limit headers
    upstream.script(
        "fake",
        Reply.error("openai-chat", 401),
        Reply(headers={"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "40"}),
    )
    assert chat(gw, "quick").status_code == 200
    quota_api = {c["connection"]: c for c in api(gw, "/api/quota")["connections"]}
    async with mcp(gw) as client:
        fake = await call(client, "omniroute_get_provider_metrics", provider="fake")
        quota = await call(client, "omniroute_check_quota", provider="fake")
        everything = await call(client, "omniroute_check_quota")
        unknown_metrics = await error_of(client, "omniroute_get_provider_metrics", provider="nope")
        unknown_quota = await error_of(client, "omniroute_check_quota", provider="nope")

    assert fake["requests"] == 2
    assert fake["failed"] == 1
    assert fake["error_rate"] == 0.5
    assert fake["circuit"]["state"] == "closed"
    assert [t["target"] for t in fake["targets"]] == ["fake/gpt-4.1-mini"]
    rejected, answered = fake["connections"]
    assert rejected["cooldown_s"] > 60, "a rejected key cools down for minutes"
    assert rejected["backoff_level"] == 1
    assert answered["cooldown_s"] == 0
    assert answered["headroom"] == pytest.approx(0.4), "40 of 100 requests left, per the headers"
    assert rejected["headroom"] is None, "a 401 carried no rate-limit headers"
    for conn in fake["connections"]:
        assert conn["cooldown_s"] == pytest.approx(quota_api[conn["connection"]]["cooldown_s"], abs=1.0)
    assert quota_api[answered["connection"]]["headroom"] == pytest.approx(0.4)

    assert [p["provider"] for p in quota["providers"]] == ["fake"]
    assert quota["providers"][0]["connections"][1]["headroom"] == pytest.approx(0.4)
    assert {p["provider"] for p in everything["providers"]} == {"fake", "backup", "odd"}
    assert everything["budgets"] == []
    assert "no provider 'nope'" in unknown_metrics
    assert "no provider 'nope'" in unknown_quota


async def test_check_quota_reports_budget_spending_as_the_management_api_does(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    budgets = '\n[[budgets]]\nscope = "global"\nperiod = "month"\nlimit_usd = 5.0\n'
    gw = start(tmp_path, upstream, gateways, budgets)
    assert chat(gw, "stack").status_code == 200
    async with mcp(gw) as client:
        quota = await call(client, "omniroute_check_quota")
    (listed,) = api(gw, "/api/budgets")["budgets"]
    (budget,) = quota["budgets"]
    assert budget["id"] == listed["id"] == "global/month"
    assert budget["spent_usd"] == pytest.approx(listed["spent_usd"], abs=1e-6)  # the API rounds to 6 places
    assert budget["spent_usd"] > 0
    assert budget["remaining_usd"] == pytest.approx(5.0 - budget["spent_usd"])
    assert budget["exhausted"] is False


async def test_cost_report_breaks_down_the_stored_usage(gw: GatewayProcess):
    for model in ("stack", "thrifty", "thrifty", "fake/gpt-4.1-mini"):
        assert chat(gw, model).status_code == 200
    async with mcp(gw) as client:
        session = await call(client, "omniroute_cost_report", period="session")
        day = await call(client, "omniroute_cost_report", period="day")
        month = await call(client, "omniroute_cost_report", period="month")
        bad = await error_of(client, "omniroute_cost_report", period="fortnight")

    by_model = {r["model"]: r for r in api(gw, "/api/usage", period="day", group_by="model")["rows"]}
    for report in (session, day, month):
        assert report["totals"]["requests"] == 4
        assert report["totals"]["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in by_model.values()))
        models = {r["key"]: r for r in report["by_model"]}
        assert {k: r["requests"] for k, r in models.items()} == {"fake/gpt-4.1-mini": 2, "backup/gpt-4.1-nano": 2}
        for key, row in models.items():
            assert row["cost_usd"] == pytest.approx(by_model[key]["cost_usd"])
        assert {r["key"]: r["requests"] for r in report["by_combo"]} == {"stack": 1, "thrifty": 2, None: 1}
        assert {r["key"]: r["requests"] for r in report["by_provider"]} == {"fake": 2, "backup": 2}
    assert session["since"] >= month["since"]
    assert "fortnight" in bad


async def test_session_snapshot_shows_this_process_its_cooldowns_and_open_circuits(
    tmp_path: Path, upstream: FakeUpstream
):
    """Over stdio: the MCP process is its own session. fake's first key is rejected (a long cooldown),
    its second answers 500, which opens fake's circuit (one failure is enough here); backup answers."""
    upstream.script("fake", Reply.error("openai-chat", 401), Reply.error("openai-chat", 500))
    async with stdio(tmp_path, upstream, "\n[routing]\nbreaker_failures = 1\nbreaker_open_s = 300\n") as client:
        before = await call(client, "omniroute_get_session_snapshot")
        routed = await call(client, "omniroute_route_request", messages=ASK, model="stack")
        after = await call(client, "omniroute_get_session_snapshot")
    assert before["totals"]["requests"] == 0
    assert before["open_circuits"] == []
    assert routed["model"] == "backup/gpt-4.1-nano"
    assert after["totals"]["requests"] == 1
    assert after["totals"]["failed"] == 0
    assert after["totals"]["cost_usd"] > 0
    assert [m["target"] for m in after["top_models"]] == ["backup/gpt-4.1-nano"]
    assert after["uptime_s"] >= before["uptime_s"]
    (circuit,) = after["open_circuits"]
    assert circuit["provider"] == "fake"
    assert circuit["state"] == "open"
    assert 0 < circuit["open_for_s"] <= 300
    cooling = {c["connection"]: c for c in after["cooldowns"]}
    rejected = cooling[routed["attempts"][0]["connection"]]
    assert rejected["provider"] == "fake"
    assert rejected["seconds_left"] > 60
    assert rejected["model"] is None


async def test_simulate_route_predicts_round_robin_without_advancing_it(gw: GatewayProcess, upstream: FakeUpstream):
    async with mcp(gw) as client:
        first = await call(client, "omniroute_simulate_route", model="rotor")
        again = await call(client, "omniroute_simulate_route", model="rotor")
        assert [t["target"] for t in first["targets"]] == [t["target"] for t in again["targets"]]
        assert first["first_choice"] == "fake/gpt-4.1-mini"
        metrics = await call(client, "omniroute_get_combo_metrics", combo="rotor")
        assert metrics["state"] is None, "the dry runs moved no strategy state"

        assert chat(gw, "rotor").status_code == 200
        assert upstream.received[-1].provider == "fake", "the request went where the dry run said"
        following = await call(client, "omniroute_simulate_route", model="rotor")
        unknown = await error_of(client, "omniroute_simulate_route", model="nope/x")
    assert [t["target"] for t in following["targets"]] == ["backup/gpt-4.1-nano", "fake/gpt-4.1-mini"]
    assert following["first_choice"] == "backup/gpt-4.1-nano"
    assert chat(gw, "rotor").status_code == 200
    assert upstream.received[-1].provider == "backup", "and the next one too"
    plan = first["targets"][0]
    assert plan["would_try"] is True
    assert plan["max_calls"] == 2, "both of fake's keys may be tried"
    assert [c["priority"] for c in plan["connections"]] == [0, 1]
    assert plan["price"]["input"] == api(gw, "/api/pricing", model="fake/gpt-4.1-mini")["input"]
    assert first["budget"]["decision"] == "allow"
    assert "unknown provider 'nope'" in unknown


async def test_simulate_route_skips_a_cooling_provider_and_an_open_circuit(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    gw = start(tmp_path, upstream, gateways, "\n[routing]\nbreaker_failures = 1\nbreaker_open_s = 300\n")
    upstream.script("fake", Reply.error("openai-chat", 401), Reply.error("openai-chat", 401))
    assert chat(gw, "stack").status_code == 200
    upstream.script("odd", Reply.error("openai-chat", 500))
    assert chat(gw, "oddball").status_code != 200
    odd_calls = len(upstream.requests_to("odd"))
    async with mcp(gw) as client:
        stack = await call(client, "omniroute_simulate_route", model="stack")
        odd = await call(client, "omniroute_simulate_route", model="oddball")
        default = await call(client, "omniroute_simulate_route")
    fake, backup = stack["targets"]
    assert fake["would_try"] is False
    assert fake["skip_reason"].startswith("all 2 connections cooling down")
    assert all(c["cooldown_s"] > 60 for c in fake["connections"])
    assert backup["would_try"] is True
    assert stack["first_choice"] == "backup/gpt-4.1-nano"
    assert default["requested"] == "stack", "no model named: the default model"
    (mystery,) = odd["targets"]
    assert mystery["circuit"] == "open"
    assert mystery["skip_reason"].startswith("circuit open")
    assert odd["first_choice"] is None
    assert "would fail" in odd["outcome"]
    assert mystery["price"] is None, "no price is known for mystery-1"
    assert chat(gw, "oddball").status_code != 200
    assert len(upstream.requests_to("odd")) == odd_calls, "the real request found nothing to try either"


async def test_simulate_route_shows_a_budget_degrading_then_blocking(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    budgets = """
[[budgets]]
scope = "combo:thrifty"
period = "day"
limit_usd = 0.000001
action = "degrade"
degrade_to = "quick"
"""
    gw = start(tmp_path, upstream, gateways, budgets)
    assert chat(gw, "thrifty").status_code == 200  # spends more than the limit
    async with mcp(gw) as client:
        degraded = await call(client, "omniroute_simulate_route", model="thrifty")
    assert degraded["budget"]["decision"] == "degrade"
    assert degraded["budget"]["budget"] == "combo:thrifty/day"
    assert degraded["routed"] == "quick"
    assert degraded["first_choice"] == "fake/gpt-4.1-mini"
    assert chat(gw, "thrifty").status_code == 200
    assert upstream.received[-1].provider == "fake", "the real request was degraded too"

    resp = httpx.post(
        gw.base_url + "/api/budgets",
        headers=AUTH,
        json={"scope": "global", "period": "day", "limit_usd": 0.000001, "action": "block"},
    )
    assert resp.status_code == 200
    async with mcp(gw) as client:
        blocked = await call(client, "omniroute_simulate_route", model="stack")
    assert blocked["budget"]["decision"] == "block"
    assert blocked["targets"] == []
    assert "exhausted" in blocked["outcome"]
    assert chat(gw, "stack").status_code == 429


async def test_best_combo_ranks_by_measured_latency_and_follows_it_when_it_changes(
    gw: GatewayProcess, upstream: FakeUpstream
):
    upstream.set_default("backup", Reply(delay=SLOW_S))
    for model in ("quick", "thrifty", "quick", "thrifty"):
        assert chat(gw, model).status_code == 200
    async with mcp(gw) as client:
        first = await call(client, "omniroute_best_combo_for_task", task="answer support chat questions")
        quick = await call(client, "omniroute_get_combo_metrics", combo="quick")

        upstream.set_default("backup", Reply())
        upstream.set_default("fake", Reply(delay=SLOW_S))
        for _ in range(2):
            assert chat(gw, "quick").status_code == 200
        for _ in range(40):  # enough fast calls that the two slow ones fall out of thrifty's p95
            assert chat(gw, "thrifty").status_code == 200
        second = await call(client, "omniroute_best_combo_for_task", task="answer support chat questions")

    ranked = {c["name"]: c for c in first["candidates"]}
    assert first["candidates"][0]["name"] == "quick", "ties (stack and rotor lead with fake too) go by name"
    assert ranked["quick"]["score"] > ranked["thrifty"]["score"]
    assert ranked["quick"]["p95_ms"] == quick["targets"][0]["latency_ms"]["p95"]
    assert ranked["thrifty"]["p95_ms"] >= SLOW_S * 1000
    assert ranked["quick"]["terms"]["latency"] == 1.0
    assert ranked["quick"]["lead"] == "fake/gpt-4.1-mini"
    assert "p95" in ranked["quick"]["explanation"]
    reranked = {c["name"]: c for c in second["candidates"]}
    assert second["candidates"][0]["name"] == "thrifty"
    assert reranked["thrifty"]["score"] > reranked["quick"]["score"]
    assert reranked["quick"]["p95_ms"] >= SLOW_S * 1000
    assert first["considered"] == "combos"


async def test_best_combo_follows_capabilities_and_prices_set_through_the_api(gw: GatewayProcess):
    resp = httpx.put(gw.base_url + "/api/pricing/backup/gpt-4.1-nano", headers=AUTH, json={"input": 40, "output": 80})
    assert resp.status_code == 200
    async with mcp(gw) as client:
        vision = await call(
            client,
            "omniroute_best_combo_for_task",
            task="cheap bulk captioning",
            required_capabilities=["vision"],
        )
        read = await call(client, "omniroute_best_combo_for_task", task="describe this screenshot as JSON")
        anything = await call(client, "omniroute_best_combo_for_task", task="small talk")
        reasoning = await call(client, "omniroute_best_combo_for_task", task="prove this lemma step by step")
        bad = await error_of(client, "omniroute_best_combo_for_task", task="x", required_capabilities=["telepathy"])
        empty = await error_of(client, "omniroute_best_combo_for_task", task="")

    names = [c["name"] for c in vision["candidates"]]
    assert "oddball" not in names, "mystery-1 declares nothing"
    assert set(names) == {"stack", "quick", "thrifty", "rotor"}
    assert vision["emphasis"] == ["cost"]
    assert vision["weights"]["cost"] > anything["weights"]["cost"]
    thrifty = next(c for c in vision["candidates"] if c["name"] == "thrifty")
    assert thrifty["price_per_mtok"] == pytest.approx((3 * 40 + 80) / 4), "the price set through /api/pricing"
    assert vision["candidates"][0]["name"] != "thrifty"
    assert read["inferred"] == ["vision", "json"]
    assert "oddball" in {c["name"] for c in anything["candidates"]}
    assert reasoning["considered"] == "models", "no combo has a reasoning target"
    assert [c["name"] for c in reasoning["candidates"]] == ["odd/o4-mini"]
    assert reasoning["candidates"][0]["kind"] == "model"
    assert "telepathy" in bad
    assert "task" in empty


async def test_catalog_lists_capabilities_prices_and_filters_by_capability(gw: GatewayProcess):
    async with mcp(gw) as client:
        everything = await call(client, "omniroute_list_models_catalog")
        vision = await call(client, "omniroute_list_models_catalog", capability="vision")
        odd = await call(client, "omniroute_list_models_catalog", provider="odd")
        bad = await error_of(client, "omniroute_list_models_catalog", capability="telepathy")
    entries = {e["id"]: e for e in everything["models"]}
    mini = entries["fake/gpt-4.1-mini"]
    assert mini["capabilities"] == ["vision", "tools", "json", "long_context"]
    listed = api(gw, "/api/pricing", model="fake/gpt-4.1-mini")
    assert (mini["price"]["input"], mini["price"]["output"]) == (listed["input"], listed["output"])
    assert mini["context_window"] == listed["context_window"]
    assert entries["odd/mystery-1"]["capabilities"] == []
    assert entries["odd/mystery-1"]["price"] is None
    assert entries["stack"]["kind"] == "combo"
    assert entries["stack"]["capabilities"] == ["vision", "tools", "json", "long_context"]
    assert entries["stack"]["targets"] == ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"]
    assert {e["id"] for e in vision["models"]} == set(entries) - {"odd/mystery-1", "oddball"}
    assert vision["count"] == len(vision["models"])
    assert [e["id"] for e in odd["models"]] == ["odd/mystery-1", "odd/o4-mini"]
    assert "reasoning" in entries["odd/o4-mini"]["capabilities"]
    assert "telepathy" in bad
