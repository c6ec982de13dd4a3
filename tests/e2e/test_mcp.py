"""MCP with the official `mcp` SDK client: stdio (`omniroute --mcp`) and Streamable HTTP (`/mcp`),
in both protocol eras (the 2025 `initialize` handshake and the stateless 2026-07-28 revision)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import GATEWAY_KEY, GatewayProcess, clean_env, omniroute_command, write_config
from tests.fakes.upstream import FakeUpstream, Reply

pytestmark = pytest.mark.anyio

TOOLS = {
    "omniroute_get_health",
    "omniroute_list_models_catalog",
    "omniroute_list_combos",
    "omniroute_route_request",
}
MODES = ["legacy", "auto"]
ASK = [{"role": "user", "content": "What is the capital of France?"}]


@asynccontextmanager
async def stdio_client(tmp_path: Path, upstream: FakeUpstream, mode: str) -> AsyncIterator[Client]:
    config = write_config(tmp_path / "omniroute.toml", upstream)
    command, *args = omniroute_command()
    params = StdioServerParameters(
        command=command,
        args=[*args, "--mcp", "--data-dir", str(tmp_path / "data"), "--config", str(config)],
        env=clean_env(),
    )
    async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
        yield client


@asynccontextmanager
async def http_client(gw: GatewayProcess, mode: str, key: str = GATEWAY_KEY) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}) as http,
        Client(streamable_http_client(gw.base_url + "/mcp", http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        yield client


async def check_tools_and_route(client: Client, upstream: FakeUpstream) -> None:
    listed = {t.name: t for t in (await client.list_tools()).tools}
    assert set(listed) >= TOOLS
    for name in TOOLS:
        assert listed[name].output_schema is not None, f"{name} declares its structured output"
    assert listed["omniroute_get_health"].annotations.read_only_hint is True

    result = await client.call_tool("omniroute_route_request", {"messages": ASK})
    assert not result.is_error, result.content
    routed = result.structured_content
    assert routed is not None
    assert routed["text"] == "The capital of France is Paris."
    assert routed["requested"] == "stack", "no model named: the configured default model answers"
    assert routed["model"] == "fake/gpt-4.1-mini"
    assert routed["usage"] == {"prompt_tokens": 27, "completion_tokens": 8, "total_tokens": 35}
    assert [a["status"] for a in routed["attempts"]] == [200]
    assert upstream.requests_to("fake")[-1].body["messages"] == ASK


@pytest.mark.parametrize("mode", MODES)
async def test_stdio_lists_tools_and_routes_a_chat(tmp_path: Path, upstream: FakeUpstream, mode: str):
    async with stdio_client(tmp_path, upstream, mode) as client:
        assert client.server_info.name == "omniroute"
        await check_tools_and_route(client, upstream)


@pytest.mark.parametrize("mode", MODES)
async def test_http_lists_tools_and_routes_a_chat(gateway: GatewayProcess, upstream: FakeUpstream, mode: str):
    async with http_client(gateway, mode) as client:
        await check_tools_and_route(client, upstream)


async def test_route_request_reports_the_fallback_it_made(tmp_path: Path, upstream: FakeUpstream):
    """The structured result names every attempt: two rate-limited accounts, then the second target."""
    upstream.script("fake", Reply.error("openai-chat", 429), Reply.error("openai-chat", 429))
    async with stdio_client(tmp_path, upstream, "legacy") as client:
        result = await client.call_tool("omniroute_route_request", {"messages": ASK, "model": "stack"})
    routed = result.structured_content
    assert routed is not None
    assert routed["model"] == "backup/gpt-4.1-nano"
    assert [(a["target"], a["status"]) for a in routed["attempts"]] == [
        ("fake/gpt-4.1-mini", 429),
        ("fake/gpt-4.1-mini", 429),
        ("backup/gpt-4.1-nano", 200),
    ]


async def test_read_tools_answer_from_the_live_core(gateway: GatewayProcess):
    async with http_client(gateway, "legacy") as client:
        health = (await client.call_tool("omniroute_get_health", {})).structured_content
        combos = (await client.call_tool("omniroute_list_combos", {})).structured_content
        catalog = (await client.call_tool("omniroute_list_models_catalog", {"provider": "backup"})).structured_content
    assert health is not None
    assert combos is not None
    assert catalog is not None
    assert health["status"] == "ok"
    assert health["store"] == "ok"
    assert {p["id"]: p["connections"] for p in health["providers"]} == {"fake": 2, "backup": 1}
    assert combos["combos"] == [
        {
            "name": "stack",
            "strategy": "priority",
            "is_default": True,
            "models": ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"],
        }
    ]
    assert [m["id"] for m in catalog["models"]] == ["backup/gpt-4.1-nano"]


BAD_CALLS = [
    pytest.param({"messages": ASK, "model": "nope/x"}, "unknown provider 'nope'", id="unknown-provider"),
    pytest.param({"messages": ASK, "model": "no-such-model"}, "no-such-model", id="unknown-model"),
    pytest.param({"messages": []}, "messages", id="no-messages"),
    pytest.param({"messages": [{"role": "wizard", "content": "x"}]}, "role", id="bad-role"),
    pytest.param({"messages": "hello"}, "messages", id="wrong-type"),
]


@pytest.mark.parametrize(("arguments", "needle"), BAD_CALLS)
async def test_bad_tool_calls_are_error_results_and_the_server_keeps_serving(
    tmp_path: Path, upstream: FakeUpstream, arguments: dict[str, object], needle: str
):
    async with stdio_client(tmp_path, upstream, "legacy") as client:
        result = await client.call_tool("omniroute_route_request", arguments)
        assert result.is_error
        assert needle in result.content[0].text  # type: ignore[union-attr]
        again = await client.call_tool("omniroute_route_request", {"messages": ASK})
        assert not again.is_error


async def test_every_target_failing_is_an_error_result_naming_the_attempts(tmp_path: Path, upstream: FakeUpstream):
    upstream.set_default("fake", Reply.error("openai-chat", 500))
    upstream.set_default("backup", Reply.error("openai-chat", 500))
    async with stdio_client(tmp_path, upstream, "legacy") as client:
        result = await client.call_tool("omniroute_route_request", {"messages": ASK})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "fake/gpt-4.1-mini" in text
    assert "backup/gpt-4.1-nano" in text


@pytest.mark.parametrize("key", ["wrong-key-123", None], ids=["wrong-key", "no-key"])
async def test_http_mcp_requires_a_gateway_key(gateway: GatewayProcess, key: str | None):
    headers = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    resp = httpx.post(
        gateway.base_url + "/mcp",
        headers=headers,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
    )
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"].startswith("Bearer")


async def test_http_mcp_rejects_a_foreign_origin(gateway: GatewayProcess):
    """DNS-rebinding protection on a loopback bind: a page from another origin cannot drive the tools."""
    resp = httpx.post(
        gateway.base_url + "/mcp",
        headers={
            "authorization": f"Bearer {GATEWAY_KEY}",
            "origin": "http://evil.example",
            "content-type": "application/json",
            "accept": "application/json, text/event-stream",
        },
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
    )
    assert resp.status_code == 403
