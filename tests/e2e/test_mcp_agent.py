"""MCP agent tools (issue 5) with the official `mcp` SDK client against the real `omniroute` process:
memory and skills bound to the caller (each gateway key over Streamable HTTP, "local" on stdio), skills
run through the A2A task engine (the same stored task `/a2a` tasks/get reads), and the routing options of
omniroute_route_request (combo, task_role, max_tokens, budget_usd, stream as progress notifications).

Results are checked against what the gateway stored (its SQLite file, read-only), the fake upstream's
received requests, and the A2A surface.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent

from omniroute_agent.store.crypto import hash_api_key
from omniroute_agent.store.sqlite import DB_FILE
from tests.conftest import GATEWAY_KEY, GatewayProcess, clean_env, omniroute_command, start_gateway, write_config
from tests.fakes.upstream import FakeUpstream, Reply

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

ALICE = "sk-alice-0000000001"
BOB = "sk-bob-00000000002"
ANSWER = "The capital of France is Paris."
ASK = [{"role": "user", "content": "What is the capital of France?"}]  # 30 characters: ~8 tokens


def key_id(key: str) -> str:
    """The id the gateway gives a configured key (core/bootstrap.py), which owns that key's memories and tasks."""
    return f"key-{hash_api_key(key)[:12]}"


def agent_config(path: Path, upstream: FakeUpstream) -> Path:
    """The standard config plus two scoped keys, task roles, prices for both targets, and a provider
    `house` whose model has no price."""
    return write_config(
        path,
        upstream,
        extra=f"""
[[keys]]
key = "{ALICE}"
label = "alice"
scopes = ["*"]

[[keys]]
key = "{BOB}"
label = "bob"
scopes = ["*"]

[mcp]
roles = {{ coding = "backup/gpt-4.1-nano", chat = "stack" }}

[[pricing]]
model = "fake/gpt-4.1-mini"
input = 2.0
output = 8.0

[[pricing]]
model = "backup/gpt-4.1-nano"
input = 1.0
output = 4.0

[[providers]]
id = "house"
format = "openai"
base_url = "{upstream.url("house")}"
api_keys = ["h1"]
models = ["house-model"]
""",
    )


@pytest.fixture
def agent_gateway(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]) -> GatewayProcess:
    gw = start_gateway(tmp_path / "data", agent_config(tmp_path / "omniroute.toml", upstream))
    gateways.append(gw)
    return gw


@asynccontextmanager
async def http_client(gw: GatewayProcess, key: str, mode: str = "legacy") -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}) as http,
        Client(streamable_http_client(gw.base_url + "/mcp", http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        yield client


@asynccontextmanager
async def stdio_client(tmp_path: Path, upstream: FakeUpstream, mode: str = "legacy") -> AsyncIterator[Client]:
    config = agent_config(tmp_path / "omniroute.toml", upstream)
    command, *args = omniroute_command()
    params = StdioServerParameters(
        command=command,
        args=[*args, "--mcp", "--data-dir", str(tmp_path / "data"), "--config", str(config)],
        env=clean_env(),
    )
    async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
        yield client


def query(data_dir: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows from the gateway's own database, opened read-only beside the running process."""
    with closing(sqlite3.connect(f"file:{data_dir / DB_FILE}?mode=ro", uri=True)) as db:
        return db.execute(sql, args).fetchall()


async def ok(client: Client, tool: str, arguments: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments or {}, **kw)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def refused(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    result: CallToolResult = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    content = result.content[0]
    assert isinstance(content, TextContent)
    return content.text


# ---------------------------------------------------------------- memory


async def test_memory_of_two_keys_never_mixes(agent_gateway: GatewayProcess):
    """omniroute_memory_add/_search/_clear over Streamable HTTP: each key stores under its own key id,
    finds only its own memories (FTS5 over text and tags) and clears only its own."""
    data = agent_gateway.data_dir
    async with http_client(agent_gateway, ALICE) as alice, http_client(agent_gateway, BOB) as bob:
        tools = {t.name: t for t in (await alice.list_tools()).tools}
        assert tools["omniroute_memory_clear"].annotations.destructive_hint is True
        assert tools["omniroute_memory_search"].annotations.read_only_hint is True

        added = await ok(alice, "omniroute_memory_add", {"text": "The deploy target is Paris", "tags": ["ops"]})
        assert added["owner"] == key_id(ALICE)
        assert added["memory"]["tags"] == ["ops"]
        await ok(alice, "omniroute_memory_add", {"text": "Prefers tabs over spaces", "tags": ["style", "editor"]})
        await ok(bob, "omniroute_memory_add", {"text": "Bob also likes Paris"})

        found = await ok(alice, "omniroute_memory_search", {"query": "paris"})
        assert [m["text"] for m in found["memories"]] == ["The deploy target is Paris"]
        by_tag = await ok(alice, "omniroute_memory_search", {"query": "editor"})
        assert [m["text"] for m in by_tag["memories"]] == ["Prefers tabs over spaces"]
        theirs = await ok(bob, "omniroute_memory_search", {"query": "deploy tabs", "owner": key_id(ALICE)})
        assert theirs["memories"] == [], "bob finds none of alice's words, even naming her as owner"
        assert [m["text"] for m in (await ok(bob, "omniroute_memory_search", {"query": ""}))["memories"]] == [
            "Bob also likes Paris"
        ]

        assert sorted(query(data, "SELECT owner, text FROM memory")) == sorted(
            [
                (key_id(ALICE), "The deploy target is Paris"),
                (key_id(ALICE), "Prefers tabs over spaces"),
                (key_id(BOB), "Bob also likes Paris"),
            ]
        )

        cleared = await ok(bob, "omniroute_memory_clear", {"owner": key_id(ALICE)})
        assert cleared == {"owner": key_id(BOB), "deleted": 1}, "an owner passed in is ignored: bob clears his own"
        assert (await ok(bob, "omniroute_memory_clear"))["deleted"] == 0
        assert len((await ok(alice, "omniroute_memory_search", {"query": "paris tabs"}))["memories"]) == 2
        assert query(data, "SELECT DISTINCT owner FROM memory") == [(key_id(ALICE),)]


async def test_memory_on_stdio_belongs_to_local(tmp_path: Path, upstream: FakeUpstream):
    async with stdio_client(tmp_path, upstream) as client:
        added = await ok(client, "omniroute_memory_add", {"text": "local note about sqlite", "tags": ["db"]})
        assert added["owner"] == "local"
        found = await ok(client, "omniroute_memory_search", {"query": "SQLite", "limit": 5})
        assert [m["id"] for m in found["memories"]] == [added["memory"]["id"]]
        assert query(tmp_path / "data", "SELECT owner, text, tags FROM memory") == [
            ("local", "local note about sqlite", "db")
        ]

        assert "blank" in await refused(client, "omniroute_memory_add", {"text": "   "})
        assert "tags" in await refused(client, "omniroute_memory_add", {"text": "x", "tags": ["a,b"]})
        assert "limit" in await refused(client, "omniroute_memory_search", {"query": "x", "limit": 0})

        assert await ok(client, "omniroute_memory_clear") == {"owner": "local", "deleted": 1}
        assert query(tmp_path / "data", "SELECT COUNT(*) FROM memory") == [(0,)]


# ---------------------------------------------------------------- skills


async def a2a_task(gw: GatewayProcess, key: str, task_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as hc:
        resp = await hc.post(
            gw.base_url + "/a2a",
            headers={"authorization": f"Bearer {key}"},
            json={"jsonrpc": "2.0", "id": 1, "method": "tasks/get", "params": {"id": task_id}},
        )
    body: dict[str, Any] = resp.json()
    assert "result" in body, body
    return body["result"]  # type: ignore[no-any-return]


async def test_skills_run_as_owned_a2a_tasks(agent_gateway: GatewayProcess, upstream: FakeUpstream):
    """list (card metadata + enabled), execute (a stored A2A task owned by the key), executions (only the
    caller's), enable (per key: alice switching a skill off does not switch it off for bob)."""
    data = agent_gateway.data_dir
    async with http_client(agent_gateway, ALICE) as alice, http_client(agent_gateway, BOB) as bob:
        listed = await ok(alice, "omniroute_skills_list")
        assert listed["owner"] == key_id(ALICE)
        skills = {s["id"]: s for s in listed["skills"]}
        assert set(skills) == {
            "smart-routing",
            "quota-management",
            "provider-discovery",
            "cost-analysis",
            "health-report",
        }
        skill = skills["smart-routing"]
        assert skill["name"] == "Smart routing"
        assert "routing" in skill["tags"]
        assert skill["enabled"] is True

        done = await ok(
            alice,
            "omniroute_skills_execute",
            {"skill": "smart-routing", "text": "What is the capital of France?", "metadata": {"model": "stack"}},
        )
        assert done["state"] == "completed"
        assert done["answer"] == ANSWER
        assert done["metadata"]["routing"]["model"] == "fake/gpt-4.1-mini"
        assert upstream.requests_to("fake")[-1].body["messages"] == ASK
        task = await a2a_task(agent_gateway, ALICE, done["task_id"])
        assert task["status"]["state"] == "completed"
        assert task["artifacts"][0]["parts"][0]["text"] == ANSWER
        assert query(data, "SELECT owner, skill, state FROM a2a_tasks WHERE id = ?", done["task_id"]) == [
            (key_id(ALICE), "smart-routing", "completed")
        ]

        mine = await ok(alice, "omniroute_skills_executions")
        assert [(e["task_id"], e["state"], e["answer"]) for e in mine["executions"]] == [
            (done["task_id"], "completed", ANSWER)
        ]
        assert mine["executions"][0]["created_at"] <= mine["executions"][0]["updated_at"]
        assert (await ok(bob, "omniroute_skills_executions", {"owner": key_id(ALICE)}))["executions"] == []

        setting = await ok(alice, "omniroute_skills_enable", {"skill": "smart-routing", "enabled": False})
        assert setting == {"owner": key_id(ALICE), "skill": "smart-routing", "enabled": False}
        assert query(data, "SELECT owner, skill, enabled FROM skill_settings") == [(key_id(ALICE), "smart-routing", 0)]
        assert _enabled(await ok(alice, "omniroute_skills_list")) is False
        assert _enabled(await ok(bob, "omniroute_skills_list")) is True
        text = await refused(alice, "omniroute_skills_execute", {"skill": "smart-routing", "text": "hi"})
        assert "disabled" in text
        theirs = await ok(bob, "omniroute_skills_execute", {"skill": "smart-routing", "text": "hi"})
        assert theirs["state"] == "completed"
        assert [e["task_id"] for e in (await ok(bob, "omniroute_skills_executions"))["executions"]] == [
            theirs["task_id"]
        ]
        await ok(alice, "omniroute_skills_enable", {"skill": "smart-routing", "enabled": True})
        assert _enabled(await ok(alice, "omniroute_skills_list")) is True
        assert query(data, "SELECT COUNT(*) FROM a2a_tasks WHERE owner = ?", key_id(ALICE)) == [(1,)]


SKILL_BAD_CALLS: list[tuple[str, dict[str, Any], str]] = [
    (
        "omniroute_skills_execute",
        {"skill": "nope", "text": "hi"},
        "unknown skill 'nope' (skills: cost-analysis, health-report",
    ),
    ("omniroute_skills_enable", {"skill": "nope", "enabled": False}, "unknown skill 'nope'"),
    ("omniroute_skills_executions", {"skill": "nope"}, "unknown skill 'nope'"),
    ("omniroute_skills_execute", {"skill": "smart-routing", "text": ""}, "text"),
    ("omniroute_skills_execute", {"skill": "smart-routing", "text": "hi", "metadata": {"model": "nope/x"}}, "'nope'"),
    ("omniroute_skills_execute", {"skill": "smart-routing", "text": "hi", "metadata": {"skill": "x"}}, "metadata"),
    ("omniroute_skills_enable", {"skill": "smart-routing", "enabled": "maybe"}, "enabled"),
]


async def test_skills_on_stdio_belong_to_local_and_bad_calls_are_error_results(tmp_path: Path, upstream: FakeUpstream):
    async with stdio_client(tmp_path, upstream) as client:
        for tool, arguments, needle in SKILL_BAD_CALLS:
            assert needle in await refused(client, tool, arguments), (tool, arguments)
        assert query(tmp_path / "data", "SELECT COUNT(*) FROM a2a_tasks") == [(0,)], "refused before a task exists"

        done = await ok(client, "omniroute_skills_execute", {"skill": "smart-routing", "text": "capital?"})
        assert query(tmp_path / "data", "SELECT owner FROM a2a_tasks WHERE id = ?", done["task_id"]) == [("local",)]

        upstream.set_default("fake", Reply.error("openai-chat", 500))
        upstream.set_default("backup", Reply.error("openai-chat", 500))
        text = await refused(client, "omniroute_skills_execute", {"skill": "smart-routing", "text": "capital?"})
        assert "failed (task " in text
        [failed, completed] = (await ok(client, "omniroute_skills_executions", {"limit": 5}))["executions"]
        assert completed["task_id"] == done["task_id"]
        assert failed["state"] == "failed"
        assert failed["answer"] is None
        assert "backup/gpt-4.1-nano" in failed["error"]
        assert query(tmp_path / "data", "SELECT state, owner FROM a2a_tasks WHERE id = ?", failed["task_id"]) == [
            ("failed", "local")
        ]


# ---------------------------------------------------------------- route_request options


async def test_route_request_combo_role_max_tokens_and_budget(tmp_path: Path, upstream: FakeUpstream):
    async with stdio_client(tmp_path, upstream) as client:
        by_combo = await ok(client, "omniroute_route_request", {"messages": ASK, "combo": "stack", "max_tokens": 64})
        assert (by_combo["requested"], by_combo["selected_by"], by_combo["model"]) == (
            "stack",
            "combo",
            "fake/gpt-4.1-mini",
        )
        assert upstream.requests_to("fake")[-1].body["max_tokens"] == 64

        coding = await ok(client, "omniroute_route_request", {"messages": ASK, "task_role": "coding"})
        assert (coding["requested"], coding["selected_by"], coding["model"]) == (
            "backup/gpt-4.1-nano",
            "task_role",
            "backup/gpt-4.1-nano",
        )
        assert len(upstream.requests_to("backup")) == 1
        named = await ok(client, "omniroute_route_request", {"messages": ASK, "task_role": "coding", "model": "stack"})
        assert (named["requested"], named["selected_by"]) == ("stack", "model"), "a named model beats the role"

        # ~8 prompt tokens + 100 at most: backup/gpt-4.1-nano (1 + 4 USD per 1M) costs up to 0.000408 USD
        within = await ok(
            client,
            "omniroute_route_request",
            {"messages": ASK, "model": "stack", "max_tokens": 100, "budget_usd": 0.01},
        )
        assert within["budget"] == {
            "budget_usd": 0.01,
            "prompt_tokens": 8,
            "max_tokens": 100,
            "cheapest_target": "backup/gpt-4.1-nano",
            "estimated_usd": 0.000408,
            "over_budget_targets": [],
            "unpriced_targets": [],
        }
        assert within["text"] == ANSWER
        tight = await ok(client, "omniroute_route_request", {"messages": ASK, "max_tokens": 100, "budget_usd": 0.0005})
        assert tight["budget"]["cheapest_target"] == "backup/gpt-4.1-nano"
        assert tight["budget"]["over_budget_targets"] == ["fake/gpt-4.1-mini"], "up to 0.000816 USD"

        sent = len(upstream.received)
        over = await refused(
            client,
            "omniroute_route_request",
            {"messages": ASK, "model": "stack", "max_tokens": 100, "budget_usd": 0.0004},
        )
        assert "over budget" in over
        assert "backup/gpt-4.1-nano" in over
        assert "up to $0.000408" in over
        assert "more than budget_usd $0.0004;" in over
        assert len(upstream.received) == sent, "refused before routing: no upstream call"


ROUTE_BAD_CALLS = [
    pytest.param({"messages": ASK, "combo": "fake/gpt-4.1-mini"}, "is not a combo (combos: stack)", id="not-a-combo"),
    pytest.param({"messages": ASK, "combo": "stack", "model": "stack"}, "not both", id="model-and-combo"),
    pytest.param(
        {"messages": ASK, "task_role": "vision"}, "unknown task_role 'vision' (roles: chat, coding)", id="role"
    ),
    pytest.param({"messages": ASK, "budget_usd": 1.0}, "needs max_tokens", id="budget-without-max-tokens"),
    pytest.param({"messages": ASK, "budget_usd": -1, "max_tokens": 5}, "budget_usd", id="negative-budget"),
    pytest.param({"messages": ASK, "max_tokens": 0}, "max_tokens", id="zero-max-tokens"),
    pytest.param(
        {"messages": ASK, "model": "house/house-model", "budget_usd": 1.0, "max_tokens": 5},
        "no target of 'house/house-model' has a price",
        id="unpriced",
    ),
    pytest.param({"messages": ASK, "stream": "often"}, "stream", id="stream-not-bool"),
]


@pytest.mark.parametrize(("arguments", "needle"), ROUTE_BAD_CALLS)
async def test_route_request_bad_options_are_error_results(
    tmp_path: Path, upstream: FakeUpstream, arguments: dict[str, Any], needle: str
):
    async with stdio_client(tmp_path, upstream) as client:
        assert needle in await refused(client, "omniroute_route_request", arguments)
        assert upstream.received == [], "nothing was routed"
        assert (await ok(client, "omniroute_route_request", {"messages": ASK}))["text"] == ANSWER


async def stream_and_check(client: Client, data_dir: Path) -> None:
    """Several progress messages arrive, in order, and concatenate to the returned answer; the call is
    logged as a streamed MCP request with the stream's usage."""
    deltas: list[str] = []
    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)
        deltas.append(message or "")

    routed = await ok(
        client, "omniroute_route_request", {"messages": ASK, "stream": True}, progress_callback=on_progress
    )
    assert routed["streamed"] is True
    assert routed["text"] == ANSWER
    assert deltas == ["The capital", " of France", " is Paris."]
    assert "".join(deltas) == routed["text"]
    assert progress == sorted(progress)
    assert routed["model"] == "fake/gpt-4.1-mini"
    assert routed["requested"] == "stack"
    assert routed["finish_reason"] == "stop"
    assert routed["usage"] == {"prompt_tokens": 27, "completion_tokens": 8, "total_tokens": 35}

    explained = await ok(client, "omniroute_explain_route", {"request_id": routed["request_id"]})  # flushes usage
    assert [(c["surface"], c["target"], c["status"]) for c in explained["calls"]] == [("mcp", "fake/gpt-4.1-mini", 200)]
    rows = query(
        data_dir,
        "SELECT stream, prompt_tokens, completion_tokens FROM usage WHERE request_id = ?",
        routed["request_id"],
    )
    assert rows == [(1, 27, 8)]


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stream_sends_deltas_as_progress_over_stdio(tmp_path: Path, upstream: FakeUpstream, mode: str):
    async with stdio_client(tmp_path, upstream, mode) as client:
        await stream_and_check(client, tmp_path / "data")


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stream_sends_deltas_as_progress_over_http(agent_gateway: GatewayProcess, mode: str):
    async with http_client(agent_gateway, GATEWAY_KEY, mode) as client:
        await stream_and_check(client, agent_gateway.data_dir)


async def test_a_stream_cut_midway_is_an_error_result(tmp_path: Path, upstream: FakeUpstream):
    upstream.script("fake", Reply(cut_after=700))
    async with stdio_client(tmp_path, upstream) as client:
        deltas: list[str] = []

        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            deltas.append(message or "")

        result = await client.call_tool(
            "omniroute_route_request", {"messages": ASK, "stream": True}, progress_callback=on_progress
        )
        assert result.is_error
        content = result.content[0]
        assert isinstance(content, TextContent)
        assert "the answer stream broke after" in content.text
        assert (await ok(client, "omniroute_route_request", {"messages": ASK, "stream": True}))["text"] == ANSWER


def _enabled(listed: dict[str, Any], skill: str = "smart-routing") -> bool:
    return bool(next(s for s in listed["skills"] if s["id"] == skill)["enabled"])
