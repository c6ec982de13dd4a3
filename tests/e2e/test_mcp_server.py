"""The MCP server itself: scopes per key, the audit log, the legacy HTTP+SSE transport, the stdio
heartbeat seen by /api/mcp/status, and the resources and prompt for IDE users."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import GATEWAY_KEY, GatewayProcess, clean_env, omniroute_command, start_gateway, write_config
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.anyio

READER_KEY = "sk-reader-key-0001"
ASK = [{"role": "user", "content": "hi"}]
SCOPED = f'\n[[keys]]\nkey = "{READER_KEY}"\nlabel = "dashboard"\nscopes = ["read:*"]\n'


@pytest.fixture
def gw(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]) -> GatewayProcess:
    gateway = start_gateway(tmp_path / "data", write_config(tmp_path / "omniroute.toml", upstream, extra=SCOPED))
    gateways.append(gateway)
    return gateway


@asynccontextmanager
async def http_client(gw: GatewayProcess, key: str = GATEWAY_KEY) -> AsyncIterator[Client]:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}) as http,
        Client(streamable_http_client(gw.base_url + "/mcp", http_client=http), mode="legacy") as client,
    ):
        yield client


def api(gw: GatewayProcess, path: str, **params: str) -> dict[str, object]:
    body: dict[str, object] = httpx.get(
        gw.base_url + path, params=params, headers={"authorization": f"Bearer {GATEWAY_KEY}"}
    ).json()
    return body


async def test_a_scoped_key_sees_only_what_it_may_call_and_is_refused_the_rest(gw: GatewayProcess):
    async with http_client(gw, READER_KEY) as reader:
        names = {t.name for t in (await reader.list_tools()).tools}
        assert "omniroute_get_health" in names
        assert "omniroute_route_request" not in names, "execute:completions is not granted"
        refused = await reader.call_tool("omniroute_route_request", {"messages": ASK})
        assert refused.is_error
        assert "execute:completions" in refused.content[0].text  # type: ignore[union-attr]
        assert not (await reader.call_tool("omniroute_get_health", {})).is_error
    async with http_client(gw) as admin:
        assert "omniroute_route_request" in {t.name for t in (await admin.list_tools()).tools}
    rows = api(gw, "/api/mcp/audit", tool="omniroute_route_request")["rows"]
    assert isinstance(rows, list)
    assert rows[0]["success"] is False
    assert rows[0]["error_code"] == "forbidden"
    assert rows[0]["key_id"].startswith("key-")


async def test_every_call_is_audited_with_stats(gw: GatewayProcess):
    async with http_client(gw) as client:
        await client.call_tool("omniroute_route_request", {"messages": ASK})
        await client.call_tool("omniroute_route_request", {"messages": ASK, "model": "nope/x"})
        await client.call_tool("omniroute_get_health", {})
    rows = api(gw, "/api/mcp/audit", tool="omniroute_route_request")["rows"]
    assert [r["success"] for r in rows] == [False, True]  # newest first
    assert rows[0]["error_code"] == "tool_error"
    assert len(rows[0]["input_hash"]) == 16
    assert rows[1]["duration_ms"] > 0
    assert "The capital of France is Paris." in rows[1]["output_summary"]
    stats = {s["tool"]: s for s in api(gw, "/api/mcp/audit/stats")["tools"]}  # type: ignore[union-attr]
    assert stats["omniroute_route_request"]["calls"] == 2
    assert stats["omniroute_route_request"]["errors"] == 1
    page = api(gw, "/api/mcp/audit", limit="1", offset="1")["rows"]
    assert len(page) == 1  # type: ignore[arg-type]
    tools = {t["name"]: t for t in api(gw, "/api/mcp/tools")["tools"]}  # type: ignore[union-attr]
    assert tools["omniroute_route_request"]["scopes"] == ["execute:completions"]
    assert tools["omniroute_get_health"]["annotations"]["readOnlyHint"] is True


async def test_the_legacy_sse_transport_serves_the_same_tools(gw: GatewayProcess, upstream: FakeUpstream):
    headers = {"Authorization": f"Bearer {GATEWAY_KEY}"}
    async with Client(sse_client(gw.base_url + "/mcp/sse", headers=headers), mode="legacy") as client:
        result = await client.call_tool("omniroute_route_request", {"messages": ASK})
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["text"] == "The capital of France is Paris."
    rows = api(gw, "/api/mcp/audit", tool="omniroute_route_request")["rows"]
    assert rows[0]["transport"] == "sse"  # type: ignore[index]


async def test_the_legacy_sse_transport_needs_a_key(gw: GatewayProcess):
    resp = httpx.get(gw.base_url + "/mcp/sse", timeout=5)
    assert resp.status_code == 401


async def test_status_shows_http_sessions_and_a_running_stdio_server(gw: GatewayProcess, upstream: FakeUpstream):
    command, *args = omniroute_command()
    params = StdioServerParameters(
        command=command,
        args=[*args, "--mcp", "--data-dir", str(gw.data_dir), "--config", str(gw.config)],
        env=clean_env(),
    )
    async with Client(params) as stdio:
        await stdio.call_tool("omniroute_get_health", {})
        status = api(gw, "/api/mcp/status")
        [beat] = status["stdio"]  # type: ignore[misc]
        assert beat["alive"] is True
        assert beat["transport"] == "stdio"
        assert beat["tools"] >= 5
    assert api(gw, "/api/mcp/status")["stdio"] == [], "a clean exit removes the heartbeat"
    rows = api(gw, "/api/mcp/audit", tool="omniroute_get_health")["rows"]
    assert rows[0]["transport"] == "stdio"  # type: ignore[index]
    assert rows[0]["key_id"] == "local"  # type: ignore[index]


async def test_stdio_scopes_come_from_the_config(tmp_path: Path, upstream: FakeUpstream):
    config = write_config(tmp_path / "omniroute.toml", upstream, extra='\n[mcp]\nstdio_scopes = ["read:*"]\n')
    command, *args = omniroute_command()
    params = StdioServerParameters(
        command=command,
        args=[*args, "--mcp", "--data-dir", str(tmp_path / "data"), "--config", str(config)],
        env=clean_env(),
    )
    async with Client(params) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert "omniroute_list_combos" in names
    assert "omniroute_route_request" not in names


async def test_resources_and_the_coding_prompt(gw: GatewayProcess):
    async with http_client(gw) as client:
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert {"omniroute://combos/{name}", "omniroute://providers/{provider}/health"} <= templates
        combo = json.loads((await client.read_resource("omniroute://combos/stack")).contents[0].text)  # type: ignore[union-attr]
        assert combo["models"] == ["fake/gpt-4.1-mini", "backup/gpt-4.1-nano"]
        assert combo["is_default"] is True
        health = json.loads((await client.read_resource("omniroute://providers/fake/health")).contents[0].text)  # type: ignore[union-attr]
        assert health["connections"] == 2
        prompt = await client.get_prompt("coding_session", {"combo": "stack", "language": "Python"})
        text = prompt.messages[0].content.text  # type: ignore[union-attr]
        assert "model='stack'" in text
        assert "fake/gpt-4.1-mini, backup/gpt-4.1-nano" in text
