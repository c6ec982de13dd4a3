"""`--workers N` (or OMNIROUTE_WORKERS): N processes serve one port; the supervisor replaces a
dead worker and stops them all cleanly, every answered request reaching the usage records."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from pathlib import Path

import httpx
import httpx2
import openai
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import GATEWAY_KEY, GatewayProcess, clean_env, start_gateway, write_config
from tests.fakes.upstream import FakeUpstream

ASK = [{"role": "user", "content": "What is the capital of France?"}]


def workers_of(gw: GatewayProcess) -> set[int]:
    pid = gw.proc.pid
    children: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            children |= {int(c) for c in (task / "children").read_text().split()}
    return children


def wait_for(check: object, timeout: float = 20.0) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def pool(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]) -> GatewayProcess:
    config = write_config(tmp_path / "omniroute.toml", upstream)
    gw = start_gateway(tmp_path / "data", config, env=clean_env(OMNIROUTE_WORKERS="2"))
    gateways.append(gw)
    wait_for(lambda: len(workers_of(gw)) == 2)
    return gw


def fresh_connection_client(gw: GatewayProcess) -> openai.OpenAI:
    """No keep-alive: each request is a new connection, which any worker may accept."""
    http = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
    return openai.OpenAI(base_url=gw.v1, api_key=GATEWAY_KEY, http_client=http, max_retries=0)


def test_every_request_is_answered_and_recorded_then_all_workers_stop(pool: GatewayProcess):
    workers = workers_of(pool)
    client = fresh_connection_client(pool)
    answers = [client.chat.completions.create(model="stack", messages=ASK) for _ in range(40)]
    assert {a.choices[0].message.content for a in answers} == {"The capital of France is Paris."}
    assert pool.stop() == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists(), f"worker {pid} outlived the supervisor"
    with contextlib.closing(sqlite3.connect(pool.data_dir / "omniroute.db")) as db:
        (rows,) = db.execute("SELECT count(*) FROM usage WHERE status = 200").fetchone()
    assert rows == 40, "each worker flushed its usage rows on the way out"


def test_a_killed_worker_is_replaced(pool: GatewayProcess):
    first, *_ = sorted(workers_of(pool))
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: first not in workers_of(pool) and len(workers_of(pool)) == 2)
    client = fresh_connection_client(pool)
    for _ in range(10):
        answer = client.chat.completions.create(model="stack", messages=ASK)
        assert answer.choices[0].message.content == "The capital of France is Paris."
    assert any("starting another" in line for line in pool.stderr)


def test_a_store_that_cannot_open_stops_the_server_with_one_line(tmp_path: Path, upstream: FakeUpstream):
    """A directory where the database file goes: the supervisor says so and exits 1."""
    config = write_config(tmp_path / "omniroute.toml", upstream)
    (tmp_path / "data" / "omniroute.db").mkdir(parents=True)
    with pytest.raises(RuntimeError, match="exited with 1") as failed:
        start_gateway(tmp_path / "data", config, env=clean_env(OMNIROUTE_WORKERS="2"))
    assert "cannot open the store in" in str(failed.value)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_mcp_over_http_works_whichever_worker_answers(pool: GatewayProcess, mode: str):
    limits = httpx2.Limits(max_keepalive_connections=0)
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {GATEWAY_KEY}"}, limits=limits) as http,
        Client(streamable_http_client(pool.base_url + "/mcp", http_client=http), mode=mode) as client,  # type: ignore[arg-type]
    ):
        for _ in range(6):
            assert "omniroute_route_request" in {t.name for t in (await client.list_tools()).tools}
            result = await client.call_tool("omniroute_route_request", {"messages": ASK})
            assert not result.is_error, result.content
            assert result.structured_content is not None
            assert result.structured_content["text"] == "The capital of France is Paris."


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_a_bad_worker_count_is_refused(tmp_path: Path, value: str):
    import subprocess

    from tests.conftest import omniroute_command

    done = subprocess.run(
        [*omniroute_command(), "--workers", value, "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=30,
    )
    assert done.returncode == 2
    assert "--workers" in done.stderr
