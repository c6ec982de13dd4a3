"""Every tool in tools/list, called with valid arguments over stdio and over Streamable HTTP: each
answers with structured content matching its output schema, on both transports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import GATEWAY_KEY, GatewayProcess, clean_env, omniroute_command, start_gateway, write_config
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.anyio

ASK = [{"role": "user", "content": "hi"}]

# Valid arguments for every tool; a tool missing here fails the test, so a new tool must be added.
ARGUMENTS: dict[str, dict[str, Any]] = {
    "omniroute_get_health": {},
    "omniroute_list_combos": {},
    "omniroute_list_models_catalog": {},
    "omniroute_route_request": {"messages": ASK},
    "omniroute_explain_route": {"request_id": "<filled in>"},
    "omniroute_get_combo_metrics": {"combo": "stack"},
    "omniroute_get_provider_metrics": {"provider": "fake"},
    "omniroute_get_session_snapshot": {},
    "omniroute_check_quota": {},
    "omniroute_cost_report": {"period": "day"},
    "omniroute_simulate_route": {"model": "stack"},
    "omniroute_best_combo_for_task": {"task": "write a python function"},
    "omniroute_memory_add": {"text": "the build uses uv", "tags": ["tooling"]},
    "omniroute_memory_search": {"query": "build"},
    "omniroute_memory_clear": {},
    "omniroute_skills_list": {},
    "omniroute_skills_enable": {"skill": "smart-routing", "enabled": True},
    "omniroute_skills_execute": {"skill": "smart-routing", "text": "hi"},
    "omniroute_skills_executions": {},
    "omniroute_switch_combo": {"combo": "stack"},
    "omniroute_set_routing_strategy": {"combo": "stack", "strategy": "priority"},
    "omniroute_set_budget_guard": {"scope": "combo:stack", "limit_usd": 100.0, "period": "month", "action": "block"},
    "omniroute_set_resilience_profile": {"profile": "balanced"},
    "omniroute_test_combo": {"combo": "stack"},
    "omniroute_sync_pricing": {"source": "<filled in>"},
    "omniroute_db_health_check": {},
    "omniroute_cache_stats": {},
    "omniroute_cache_flush": {},
}


async def call_every_tool(client: Client, pricing_file: Path) -> dict[str, str]:
    """Calls each listed tool once; returns the failures (tool → reason)."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == set(ARGUMENTS), (
        f"tools without a test row or rows without a tool: {set(tools) ^ set(ARGUMENTS)}"
    )
    failures: dict[str, str] = {}
    request_id = ""
    for name, arguments in ARGUMENTS.items():
        if name == "omniroute_explain_route":
            arguments = {"request_id": request_id}
        if name == "omniroute_sync_pricing":
            arguments = {"source": str(pricing_file)}
        result = await client.call_tool(name, arguments)
        if result.is_error:
            failures[name] = str(result.content[0].text if result.content else "")  # type: ignore[union-attr]
            continue
        content = result.structured_content
        try:
            jsonschema.validate(content, tools[name].output_schema or {})
        except jsonschema.ValidationError as exc:
            failures[name] = f"structured content does not match the output schema: {exc.message}"
        if name == "omniroute_route_request" and content:
            request_id = content["request_id"]
    return failures


@pytest.fixture
def pricing_file(tmp_path: Path) -> Path:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps([{"model": "fake/gpt-4.1-mini", "input": 0.4, "output": 1.6}]))
    return path


async def test_every_tool_over_stdio(tmp_path: Path, upstream: FakeUpstream, pricing_file: Path):
    config = write_config(tmp_path / "omniroute.toml", upstream)
    command, *args = omniroute_command()
    params = StdioServerParameters(
        command=command,
        args=[*args, "--mcp", "--data-dir", str(tmp_path / "data"), "--config", str(config)],
        env=clean_env(),
    )
    async with Client(params) as client:
        assert await call_every_tool(client, pricing_file) == {}


async def test_every_tool_over_streamable_http(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess], pricing_file: Path
):
    gw = start_gateway(tmp_path / "data", write_config(tmp_path / "omniroute.toml", upstream))
    gateways.append(gw)
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {GATEWAY_KEY}"}, timeout=30) as http,
        Client(streamable_http_client(gw.base_url + "/mcp", http_client=http)) as client,
    ):
        assert await call_every_tool(client, pricing_file) == {}
