"""`omniroute --mcp` answers `initialize` before its runtime is open (tools/stdio.py), and loses
nothing for it: a tool call sent right after the handshake waits for the runtime, a runtime that
cannot open turns every tool call into an error result naming why, and a bad secret key still
stops start-up before anything is served."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TextIO

import anyio
import pytest
from mcp import Client, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp_types import CallToolResult

from omniroute_agent.store.sqlite import DB_FILE
from omniroute_agent.tools import TOOL_SCOPES
from omniroute_agent.tools.heartbeat import PATTERN
from tests.conftest import clean_env, omniroute_command, write_config
from tests.fakes.upstream import FakeUpstream

pytestmark = pytest.mark.anyio

ASK = [{"role": "user", "content": "What is the capital of France?"}]


@asynccontextmanager
async def stdio(data_dir: Path, config: Path | None, errlog: TextIO, mode: str = "legacy") -> AsyncIterator[Client]:
    command, *args = omniroute_command()
    args = [*args, "--mcp", "--data-dir", str(data_dir)] + (["--config", str(config)] if config else [])
    params = StdioServerParameters(command=command, args=args, env=clean_env())
    async with Client(stdio_client(params, errlog=errlog), mode=mode) as client:  # type: ignore[arg-type]
        yield client


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_tool_call_sent_right_after_initialize_is_answered(tmp_path: Path, upstream: FakeUpstream, mode: str):
    data_dir = tmp_path / "data"
    config = write_config(tmp_path / "omniroute.toml", upstream)
    with (tmp_path / "stderr.txt").open("w") as errlog:
        async with stdio(data_dir, config, errlog, mode) as client:
            routed = await client.call_tool("omniroute_route_request", {"messages": ASK})
            listed = {t.name for t in (await client.list_tools()).tools}
            [beat] = [json.loads(path.read_text()) for path in data_dir.glob(PATTERN)]
    assert not routed.is_error, routed.content
    assert routed.structured_content is not None
    assert routed.structured_content["text"] == "The capital of France is Paris."
    assert listed == set(TOOL_SCOPES)
    assert beat["tools"] == len(TOOL_SCOPES)
    assert not list(data_dir.glob(PATTERN)), "a clean exit removes the heartbeat"


async def test_a_tool_call_waits_while_the_runtime_is_still_opening(tmp_path: Path, upstream: FakeUpstream):
    """Another connection holds the store locked, so the runtime cannot finish opening until it lets go:
    the call sent right after initialize is held (not failed), then answered."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    config = write_config(tmp_path / "omniroute.toml", upstream)
    answers: list[CallToolResult] = []
    blocker = sqlite3.connect(data_dir / DB_FILE, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        with (tmp_path / "stderr.txt").open("w") as errlog:
            async with stdio(data_dir, config, errlog) as client, anyio.create_task_group() as tg:

                async def call() -> None:
                    answers.append(await client.call_tool("omniroute_route_request", {"messages": ASK}))

                tg.start_soon(call)
                await anyio.sleep(1)
                assert answers == [], "held while the runtime is opening"
                assert not list(data_dir.glob(PATTERN)), "the heartbeat appears once the runtime is open: not yet"
                blocker.execute("COMMIT")
    finally:
        blocker.close()
    [routed] = answers
    assert not routed.is_error, routed.content
    assert routed.structured_content is not None
    assert routed.structured_content["text"] == "The capital of France is Paris."


async def test_a_runtime_that_cannot_open_makes_tool_calls_error_results(tmp_path: Path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("a file where the data dir should be\n")
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as errlog:
        async with stdio(not_a_dir, None, errlog) as client:
            listed = {t.name for t in (await client.list_tools()).tools}
            health = await client.call_tool("omniroute_get_health", {})
            combos = await client.call_tool("omniroute_list_combos", {})
            with pytest.raises(MCPError, match="could not start"):
                await client.read_resource("omniroute://combos")
    assert listed == set(TOOL_SCOPES), "the tool list does not depend on the runtime"
    for result in (health, combos):
        assert result.is_error
        text = result.content[0].text  # type: ignore[union-attr]
        assert text.startswith("omniroute could not start: ")
        assert str(not_a_dir) in text, "the reason names the data dir"
    [said] = [line for line in stderr.read_text().splitlines() if "could not start" in line]
    assert str(not_a_dir) in said


def test_a_bad_secret_key_stops_start_up_before_serving(tmp_path: Path):
    done = subprocess.run(
        [*omniroute_command(), "--mcp", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=30,
        env=clean_env(OMNIROUTE_SECRET_KEY="too-short"),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == "omniroute: error: OMNIROUTE_SECRET_KEY must be urlsafe base64 of 32 random bytes"
