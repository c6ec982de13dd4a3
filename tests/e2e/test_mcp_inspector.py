"""The official MCP Inspector CLI (from the npm registry) against `omniroute --mcp` and `/mcp`.

It is installed once per machine into a cache directory; without `npm` on the machine the test is
skipped and says so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import GATEWAY_KEY, GatewayProcess, clean_env, omniroute_command, write_config
from tests.fakes.upstream import FakeUpstream

INSPECTOR = "@modelcontextprotocol/inspector@2.12.0"
CACHE = Path(os.environ.get("OMNIROUTE_TEST_CACHE", Path.home() / ".cache" / "omniroute-tests")) / "inspector"


@pytest.fixture(scope="session")
def inspector() -> Path:
    binary = CACHE / "node_modules" / ".bin" / "mcp-inspector"
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed on this machine: the MCP Inspector CLI cannot be run")
    CACHE.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(CACHE), INSPECTOR],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return binary


def run(inspector: Path, *args: str) -> dict[str, object]:
    env = clean_env(MCP_INSPECTOR_SECRET_STORE="memory")
    done = subprocess.run(
        [str(inspector), "--cli", *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_inspector_lists_and_calls_tools_over_stdio(inspector: Path, tmp_path: Path, upstream: FakeUpstream):
    config = write_config(tmp_path / "omniroute.toml", upstream)
    server = ["--", *omniroute_command(), "--mcp", "--data-dir", str(tmp_path / "data"), "--config", str(config)]
    listed = run(inspector, "--method", "tools/list", *server)
    names = {t["name"] for t in listed["tools"]}  # type: ignore[union-attr, index]
    assert {"omniroute_route_request", "omniroute_get_health", "omniroute_explain_route"} <= names
    for tool in listed["tools"]:  # type: ignore[union-attr]
        assert tool["outputSchema"]["type"] == "object", tool["name"]  # type: ignore[index]
    called = run(inspector, "--method", "tools/call", "--tool-name", "omniroute_list_combos", *server)
    assert called["isError"] is False
    assert called["structuredContent"]["combos"][0]["name"] == "stack"  # type: ignore[index]


def test_the_inspector_over_streamable_http(inspector: Path, gateway: GatewayProcess):
    listed = run(
        inspector,
        "--method",
        "tools/list",
        "--transport",
        "http",
        "--server-url",
        gateway.base_url + "/mcp",
        "--header",
        f"Authorization: Bearer {GATEWAY_KEY}",
    )
    assert "omniroute_route_request" in {t["name"] for t in listed["tools"]}  # type: ignore[union-attr, index]
