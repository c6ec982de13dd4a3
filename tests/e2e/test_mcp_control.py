"""The control and maintenance MCP tools, driven with the official `mcp` SDK client over Streamable
HTTP against a real gateway and the fake upstreams. Each change a tool reports is checked where it
lands: the next /v1 request, the management API, the store, or the live core after a restart."""

from __future__ import annotations

import functools
import http.server
import json
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, closing, contextmanager
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
USER = [{"role": "user", "content": "hi"}]
FAKE, BACKUP = "fake/gpt-4.1-mini", "backup/gpt-4.1-nano"
HEALTH_ONLY_KEY = "sk-health-only-1"


@asynccontextmanager
async def mcp(gw: GatewayProcess, key: str = GATEWAY_KEY) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}) as http,
        Client(streamable_http_client(gw.base_url + "/mcp", http_client=http), mode="legacy") as client,
    ):
        yield client


async def ok(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def refused(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    return str(result.content[0].text)  # type: ignore[union-attr]


def chat(gw: GatewayProcess, model: str | None = "stack", **headers: str) -> httpx.Response:
    body: dict[str, Any] = {"messages": USER} if model is None else {"model": model, "messages": USER}
    return httpx.post(gw.v1 + "/chat/completions", headers={**AUTH, **headers}, json=body, timeout=30)


def api(gw: GatewayProcess, path: str, **params: str) -> Any:
    resp = httpx.get(gw.base_url + path, headers=AUTH, params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def launch(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess], extra: str = "") -> GatewayProcess:
    gw = start_gateway(tmp_path / "data", write_config(tmp_path / "omniroute.toml", upstream, extra=extra))
    gateways.append(gw)
    return gw


def restart(gw: GatewayProcess, gateways: list[GatewayProcess]) -> GatewayProcess:
    assert gw.stop() == 0
    again = start_gateway(gw.data_dir, gw.config)
    gateways.append(again)
    return again


def stored_state(data_dir: Path, key: str) -> dict[str, Any]:
    with closing(sqlite3.connect(data_dir / "omniroute.db")) as db:
        (value,) = db.execute("SELECT value FROM router_state WHERE key = ?", (key,)).fetchone()
    return dict(json.loads(value))


# ---------------------------------------------------------------- the tools as listed

TOOLS = {
    # name: (read_only, destructive, idempotent, open_world)
    "omniroute_switch_combo": (False, True, True, False),
    "omniroute_set_routing_strategy": (False, True, True, False),
    "omniroute_set_budget_guard": (False, True, True, False),
    "omniroute_set_resilience_profile": (False, True, True, False),
    "omniroute_test_combo": (False, False, False, True),
    "omniroute_sync_pricing": (False, True, True, True),
    "omniroute_db_health_check": (False, False, True, False),
    "omniroute_cache_stats": (True, None, True, False),
    "omniroute_cache_flush": (False, True, True, False),
}


async def test_every_tool_declares_its_output_and_truthful_hints(gateway: GatewayProcess):
    async with mcp(gateway) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
    assert set(listed) >= set(TOOLS)
    for name, hints in TOOLS.items():
        tool = listed[name]
        assert tool.output_schema is not None, name
        assert tool.description, name
        a = tool.annotations
        assert a is not None
        assert (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint) == hints, name


async def test_over_stdio_the_scopes_of_stdio_decide_what_is_listed_and_allowed(tmp_path: Path, upstream: FakeUpstream):
    extra = '\n[mcp]\nstdio_scopes = ["read:*", "write:cache"]\n'
    config = write_config(tmp_path / "omniroute.toml", upstream, extra=extra)
    command, *args = omniroute_command()
    params = StdioServerParameters(
        command=command,
        args=[*args, "--mcp", "--data-dir", str(tmp_path / "data"), "--config", str(config)],
        env=clean_env(),
    )
    async with Client(params, mode="legacy") as client:
        listed = {t.name for t in (await client.list_tools()).tools} & set(TOOLS)
        assert listed == {"omniroute_db_health_check", "omniroute_cache_stats", "omniroute_cache_flush"}
        assert (await ok(client, "omniroute_db_health_check", {}))["integrity"] == ["ok"]
        assert "write:resilience" in await refused(client, "omniroute_db_health_check", {"repair": True})
        assert "write:combos" in await refused(client, "omniroute_switch_combo", {"combo": "stack"})
    assert not (tmp_path / "data" / "backups").exists()


# ---------------------------------------------------------------- omniroute_switch_combo


async def routed_by_default(client: Client) -> tuple[str, str]:
    """(requested, target) of a chat that names no model, through the gateway core in-process."""
    routed = await ok(client, "omniroute_route_request", {"messages": USER})
    return routed["requested"], routed["model"]


async def test_switch_combo_changes_the_default_model_and_keeps_it_across_a_restart(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    gw = launch(tmp_path, upstream, gateways, f'\n[[combos]]\nname = "spare"\nmodels = ["{BACKUP}"]\n')
    async with mcp(gw) as client:
        assert await routed_by_default(client) == ("stack", FAKE), "the config's default_model"
        switched = await ok(client, "omniroute_switch_combo", {"combo": "spare"})
        assert switched == {"default_model": "spare", "previous": "stack", "kind": "combo", "targets": [BACKUP]}
        assert await routed_by_default(client) == ("spare", BACKUP)
        combos = await ok(client, "omniroute_list_combos", {})
    assert {c["name"]: c["is_default"] for c in combos["combos"]} == {"stack": False, "spare": True}
    assert stored_state(gw.data_dir, "settings")["default_model"] == "spare"

    again = restart(gw, gateways)
    async with mcp(again) as client:
        assert await routed_by_default(client) == ("spare", BACKUP), "a stored switch wins over the file"
        direct = await ok(client, "omniroute_switch_combo", {"combo": FAKE})
        assert direct == {"default_model": FAKE, "previous": "spare", "kind": "model", "targets": [FAKE]}
        assert "unknown provider 'nope'" in await refused(client, "omniroute_switch_combo", {"combo": "nope/x"})
        assert "no-such-model" in await refused(client, "omniroute_switch_combo", {"combo": "no-such-model"})
        assert "combo" in await refused(client, "omniroute_switch_combo", {"combo": ""})
        assert await routed_by_default(client) == (FAKE, FAKE), "refused switches change nothing"
    assert stored_state(gw.data_dir, "settings")["default_model"] == FAKE


# ---------------------------------------------------------------- omniroute_set_routing_strategy


async def test_set_routing_strategy_is_followed_by_the_next_request(gateway: GatewayProcess, upstream: FakeUpstream):
    assert chat(gateway).headers["x-omniroute-target"] == FAKE
    async with mcp(gateway) as client:
        changed = await ok(
            client, "omniroute_set_routing_strategy", {"combo": "stack", "strategy": "weighted", "weights": [0, 1]}
        )
        assert changed == {
            "combo": "stack",
            "strategy": "weighted",
            "previous_strategy": "priority",
            "models": [FAKE, BACKUP],
            "weights": [0.0, 1.0],
        }
        assert [chat(gateway).headers["x-omniroute-target"] for _ in range(3)] == [BACKUP] * 3, "weight 0 goes last"
        stored = next(c for c in api(gateway, "/api/combos")["combos"] if c["name"] == "stack")
        assert (stored["strategy"], stored["config"]["weights"]) == ("weighted", [0.0, 1.0])

        rr = await ok(client, "omniroute_set_routing_strategy", {"combo": "stack", "strategy": "round-robin"})
        assert (rr["previous_strategy"], rr["weights"]) == ("weighted", [0.0, 1.0]), "weights kept when omitted"
        assert [chat(gateway).headers["x-omniroute-target"] for _ in range(2)] == [FAKE, BACKUP]

        bad = {"combo": "stack", "strategy": "fastest"}
        assert "fastest" in await refused(client, "omniroute_set_routing_strategy", bad)
        assert "no combo 'nope'" in await refused(
            client, "omniroute_set_routing_strategy", {"combo": "nope", "strategy": "priority"}
        )
        assert "weights" in await refused(
            client, "omniroute_set_routing_strategy", {"combo": "stack", "strategy": "weighted", "weights": [1]}
        )
    stored = next(c for c in api(gateway, "/api/combos")["combos"] if c["name"] == "stack")
    assert stored["strategy"] == "round-robin", "refused changes store nothing"


# ---------------------------------------------------------------- omniroute_set_budget_guard


async def test_a_budget_guard_degrades_then_blocks_requests(gateway: GatewayProcess, upstream: FakeUpstream):
    async with mcp(gateway) as client:
        degrade = await ok(
            client,
            "omniroute_set_budget_guard",
            {"scope": "combo:stack", "limit_usd": 0.000001, "action": "degrade", "degrade_to": BACKUP},
        )
        assert degrade == {
            "id": "combo:stack/day",
            "scope": "combo:stack",
            "period": "day",
            "limit_usd": 0.000001,
            "action": "degrade",
            "degrade_to": BACKUP,
            "spent_usd": 0.0,
            "exhausted": False,
        }
        assert chat(gateway).headers["x-omniroute-target"] == FAKE, "within budget"
        degraded = chat(gateway)
        assert degraded.status_code == 200
        assert degraded.headers["x-omniroute-target"] == BACKUP, "over budget: sent to degrade_to"

        block = await ok(client, "omniroute_set_budget_guard", {"scope": "global", "limit_usd": 0.000001})
        assert (block["id"], block["action"], block["exhausted"]) == ("global/day", "block", True)
        assert block["spent_usd"] > 0.000001
        blocked = chat(gateway)
        assert blocked.status_code == 429
        assert blocked.json()["error"]["code"] == "budget_exceeded"

        assert "scope" in await refused(client, "omniroute_set_budget_guard", {"scope": "team:x", "limit_usd": 1})
        assert "degrade_to" in await refused(
            client, "omniroute_set_budget_guard", {"scope": "global", "limit_usd": 1, "action": "degrade"}
        )
        assert "nope" in await refused(
            client,
            "omniroute_set_budget_guard",
            {"scope": "global", "limit_usd": 1, "action": "degrade", "degrade_to": "nope/x"},
        )
        assert "limit_usd" in await refused(client, "omniroute_set_budget_guard", {"scope": "global", "limit_usd": 0})
    budgets = {b["id"]: b for b in api(gateway, "/api/budgets")["budgets"]}
    assert set(budgets) == {"combo:stack/day", "global/day"}
    assert budgets["global/day"]["limit_usd"] == 0.000001, "refused guards replaced nothing"


# ---------------------------------------------------------------- omniroute_set_resilience_profile


async def test_a_resilience_profile_applies_at_once_and_after_a_restart(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    gw = launch(tmp_path, upstream, gateways)
    async with mcp(gw) as client:
        change = await ok(client, "omniroute_set_resilience_profile", {"profile": "aggressive"})
        assert "unknown resilience profile 'reckless'" in await refused(
            client, "omniroute_set_resilience_profile", {"profile": "reckless"}
        )
    assert change["previous_profile"] is None
    assert change["before"] == {
        "breaker_failures": 5,
        "breaker_open_s": 30.0,
        "wait_for_cooldown_s": 2.0,
        "max_attempts": 12,
        "backoff_cap_s": 120.0,
    }
    assert change["now"] == {
        "breaker_failures": 3,
        "breaker_open_s": 60.0,
        "wait_for_cooldown_s": 0.0,
        "max_attempts": 6,
        "backoff_cap_s": 300.0,
    }
    assert stored_state(gw.data_dir, "resilience")["profile"] == "aggressive"

    # Three transient failures of 'fake' now open its circuit (the config's five would not).
    upstream.set_default("fake", Reply.error("openai-chat", 500))
    for pause in (0.0, 0.0, 1.1):  # fake's two keys each cool down 1 s after their failure
        time.sleep(pause)
        assert chat(gw).headers["x-omniroute-target"] == BACKUP
    assert len(upstream.requests_to("fake")) == 3
    assert api(gw, "/api/metrics")["circuits"]["fake"] == "open"

    again = restart(gw, gateways)
    async with mcp(again) as client:
        back = await ok(client, "omniroute_set_resilience_profile", {"profile": "balanced"})
    assert back["previous_profile"] == "aggressive"
    assert back["before"] == change["now"], "the saved profile was applied when the router was built"
    assert back["now"] == change["before"], "balanced is the built-in defaults"


# ---------------------------------------------------------------- omniroute_test_combo


async def test_test_combo_probes_every_target_once_without_fallback(gateway: GatewayProcess, upstream: FakeUpstream):
    upstream.set_default("fake", Reply.error("openai-chat", 500))
    async with mcp(gateway) as client:
        tested = await ok(client, "omniroute_test_combo", {"combo": "stack", "max_tokens": 5})
        assert "no combo 'nope'" in await refused(client, "omniroute_test_combo", {"combo": "nope"})
        assert "no combo" in await refused(client, "omniroute_test_combo", {"combo": FAKE})
        assert "max_tokens" in await refused(client, "omniroute_test_combo", {"combo": "stack", "max_tokens": 0})
    assert (tested["combo"], tested["passed"], tested["failed"]) == ("stack", 1, 1)
    failed, passed = tested["targets"]
    assert (failed["target"], failed["ok"], failed["status"]) == (FAKE, False, 500)
    assert failed["error"]
    assert (passed["target"], passed["ok"], passed["status"], passed["error"]) == (BACKUP, True, 200, None)
    assert passed["answered_by"] == BACKUP
    assert (passed["prompt_tokens"], passed["completion_tokens"]) == (27, 8)
    assert passed["cost_usd"] > 0
    assert passed["latency_ms"] > 0
    assert passed["answer"] == "The capital of France is Paris."

    # Each target got exactly its own probe: backup was not also called as fake's fallback.
    (probe,) = upstream.requests_to("backup")
    assert probe.body["messages"] == [{"role": "user", "content": "Reply with OK."}]
    assert probe.body["model"] == "gpt-4.1-nano"
    assert 5 in (probe.body.get("max_tokens"), probe.body.get("max_completion_tokens"))
    assert len(upstream.requests_to("fake")) == 1
    log = api(gateway, f"/api/logs/{passed['request_id']}")["calls"][0]
    assert (log["surface"], log["target"], log["cost_usd"]) == ("mcp", BACKUP, passed["cost_usd"])


# ---------------------------------------------------------------- omniroute_sync_pricing


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """A loopback HTTP server for the files in `folder`; yields its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


USER_PRICE = f'\n[[pricing]]\nmodel = "{FAKE}"\ninput = 1.0\noutput = 2.0\n'


async def test_sync_pricing_adds_and_updates_synced_prices_and_never_a_user_price(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    gw = launch(tmp_path, upstream, gateways, USER_PRICE)
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    first = [
        {"model": FAKE, "input": 9.0, "output": 9.0},
        {"model": BACKUP, "input": 0.5, "output": 1.5, "cached_input": 0.1, "context_window": 64000},
        {"model": "other/new-model", "input": 1, "output": 2, "vendor_note": "ignored"},
        {"model": "broken", "input": -1, "output": 1},
    ]
    (feeds / "prices.json").write_text(json.dumps(first))
    second = [{"model": BACKUP, "input": 0.6, "output": 1.5}, {"model": "other/new-model", "input": 1, "output": 2}]
    (feeds / "second.json").write_text(json.dumps(second))
    (feeds / "object.json").write_text('{"prices": []}')

    with serve_folder(feeds) as base:
        async with mcp(gw) as client:
            synced = await ok(client, "omniroute_sync_pricing", {"source": f"{base}/prices.json"})
            assert "HTTP 404" in await refused(client, "omniroute_sync_pricing", {"source": f"{base}/missing.json"})
            assert "JSON list" in await refused(client, "omniroute_sync_pricing", {"source": f"{base}/object.json"})
    assert synced["added"] == [BACKUP, "other/new-model"]
    assert (synced["updated"], synced["unchanged"]) == ([], [])
    assert {s["model"]: s["reason"] for s in synced["skipped"]} == {
        "broken": "'input': Input should be greater than or equal to 0",
        FAKE: "a user price: a sync never overwrites it",
    }
    assert api(gw, "/api/pricing", model=FAKE)["input"] == 1.0, "the user's price stands"
    assert api(gw, "/api/pricing", model=BACKUP) == {
        "model": BACKUP,
        "input": 0.5,
        "output": 1.5,
        "cached_input": 0.1,
        "context_window": 64000,
    }

    async with mcp(gw) as client:
        again = await ok(client, "omniroute_sync_pricing", {"source": str(feeds / "second.json")})
        assert "cannot read" in await refused(client, "omniroute_sync_pricing", {"source": str(feeds / "none.json")})
        assert "http(s)" in await refused(client, "omniroute_sync_pricing", {"source": "ftp://example.com/p.json"})
    assert (again["added"], again["updated"], again["unchanged"]) == ([], [BACKUP], ["other/new-model"])
    answered = chat(gw, BACKUP)
    assert answered.status_code == 200
    log = api(gw, f"/api/logs/{answered.headers['x-request-id']}")["calls"][0]
    assert log["cost_usd"] == pytest.approx((27 * 0.6 + 8 * 1.5) / 1e6), "the next answer is billed at the new price"


# ---------------------------------------------------------------- omniroute_db_health_check


async def test_db_health_check_and_a_repair_that_backs_up_first(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    extra = f'\n[[keys]]\nkey = "{HEALTH_ONLY_KEY}"\nscopes = ["read:health"]\n'
    gw = launch(tmp_path, upstream, gateways, extra)
    db = gw.data_dir / "omniroute.db"
    async with mcp(gw) as client:
        checked = await ok(client, "omniroute_db_health_check", {})
        repaired = await ok(client, "omniroute_db_health_check", {"repair": True})
        assert "repair" in await refused(client, "omniroute_db_health_check", {"repair": "please"})
    assert (checked["ok"], checked["integrity"], checked["repaired"], checked["backup_path"]) == (
        True,
        ["ok"],
        False,
        None,
    )
    assert checked["db_path"] == str(db)
    assert checked["db_bytes"] > 0

    backup = Path(repaired["backup_path"])
    assert (repaired["ok"], repaired["repaired"], repaired["integrity_after"]) == (True, True, ["ok"])
    assert backup.parent == gw.data_dir / "backups"
    assert backup.name.startswith("omniroute-")
    assert backup.suffix == ".db"
    assert repaired["backup_bytes"] == backup.stat().st_size
    assert repaired["db_bytes_after"] > 0
    with closing(sqlite3.connect(backup)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("SELECT name FROM combos").fetchall() == [("stack",)]
    assert chat(gw).status_code == 200, "the gateway serves on after the repair"

    async with mcp(gw, HEALTH_ONLY_KEY) as client:
        assert (await ok(client, "omniroute_db_health_check", {}))["ok"] is True
        assert "write:resilience" in await refused(client, "omniroute_db_health_check", {"repair": True})
    assert list((gw.data_dir / "backups").iterdir()) == [backup], "a refused repair makes no backup"


# ---------------------------------------------------------------- omniroute_cache_stats / omniroute_cache_flush

GEMINI = (
    '\n[[providers]]\nid = "gem"\nformat = "gemini"\nbase_url = "{url}"\napi_keys = ["g1"]\n'
    'models = ["gemini-2.5-flash"]\n'
)


async def test_cache_stats_count_the_live_caches_and_flush_clears_them(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    gw = launch(tmp_path, upstream, gateways, GEMINI.format(url=upstream.url("gem", "gemini")))
    assert chat(gw, **{"idempotency-key": "k-1"}).status_code == 200
    upstream.script("gem", Reply(scenario="tools"))
    assert chat(gw, "gem/gemini-2.5-flash").status_code == 200  # a function call with a thought signature

    async with mcp(gw) as client:
        stats = await ok(client, "omniroute_cache_stats", {})
        assert {c["name"]: (c["entries"], c["capacity"]) for c in stats["caches"]} == {
            "idempotency": (1, 10_000),
            "singleflight": (0, None),
            "replay": (1, 10_000),
        }
        assert stats["idempotency_ttl_s"] == 600.0

        flushed = await ok(client, "omniroute_cache_flush", {"caches": ["idempotency"]})
        assert flushed == {"cleared": [{"name": "idempotency", "cleared": 1}]}
        after = {c["name"]: c["entries"] for c in (await ok(client, "omniroute_cache_stats", {}))["caches"]}
        assert after == {"idempotency": 0, "singleflight": 0, "replay": 1}

        assert chat(gw, **{"idempotency-key": "k-1"}).status_code == 200
        assert len(upstream.requests_to("fake")) == 2, "the flushed answer is not replayed: a fresh upstream call"

        everything = await ok(client, "omniroute_cache_flush", {})
        assert everything == {
            "cleared": [
                {"name": "idempotency", "cleared": 1},
                {"name": "singleflight", "cleared": 0},
                {"name": "replay", "cleared": 1},
            ]
        }
        after = {c["name"]: c["entries"] for c in (await ok(client, "omniroute_cache_stats", {}))["caches"]}
        assert after == {"idempotency": 0, "singleflight": 0, "replay": 0}

        assert "dns" in await refused(client, "omniroute_cache_flush", {"caches": ["dns"]})
        assert "caches" in await refused(client, "omniroute_cache_flush", {"caches": []})
