"""bench/: the fake upstream's bodies and servers, the TTFB probe, /proc readings, and (when wrk is
installed, as `bash bench/run.sh` and .ci/run do) a short run of every HTTP scenario."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import probe  # noqa: E402
import proc  # noqa: E402
import upstream  # noqa: E402

from omniroute_agent.translate.openai_chat.stream import PassthroughTap  # noqa: E402


def test_the_sse_body_is_31_events_of_the_fixture_stream_ending_in_usage_and_done():
    body = upstream.sse_body()
    events = body.decode().split("\n\n")[:-1]
    assert len(events) == 32  # 31 chunks and [DONE]
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "".join(f" token{n}" for n in range(upstream.CONTENT_EVENTS))
    tap = PassthroughTap(include_usage=True)
    assert tap.feed(body) + tap.finish() == body
    assert tap.done
    assert tap.usage["completion_tokens"] == upstream.CONTENT_EVENTS


@pytest.fixture(params=["python", "nginx"])
def fake(request: pytest.FixtureRequest) -> Iterator[upstream.Upstream]:
    if request.param == "nginx" and not shutil.which("nginx"):
        pytest.skip("nginx is not installed (bash bench/run.sh installs it)")
    server = upstream.Upstream(cpu=None)
    server.kind = request.param
    server.start()
    yield server
    server.stop()


def test_the_fake_upstream_answers_each_path(fake: upstream.Upstream):
    bodies = upstream.bodies()
    headers = {"content-type": "application/json"}
    for path in ("/json", "/sse"):
        first, total = probe.timings("127.0.0.1", fake.port, f"{path}/v1/chat/completions", b"{}", headers, 20, 5)
        assert len(first) == len(total) == 20
        assert all(0 < f <= t for f, t in zip(first, total, strict=True))
    import httpx

    with httpx.Client(base_url=fake.base) as client:
        assert client.post("/json/v1/chat/completions", content=b"{}").content == bodies.json
        assert client.post("/sse/v1/chat/completions", content=b"{}").content == bodies.sse
        limited = client.post("/r429/v1/chat/completions", content=b"{}")
        assert (limited.status_code, limited.headers["retry-after"], limited.content) == (429, "1", bodies.limited)
        statuses = [client.post("/flaky/v1/chat/completions", content=b"{}").status_code for _ in range(400)]
    assert set(statuses) == {200, 500}
    assert 10 <= statuses.count(500) <= 80, "about one in ten"


def test_proc_reads_cpu_and_memory_of_a_process_tree():
    child = subprocess.Popen([sys.executable, "-c", "import time; sum(range(10**7)); time.sleep(5)"])
    try:
        time.sleep(1.0)
        assert child.pid in proc.tree(os.getpid())
        assert proc.cpu_seconds(os.getpid()) > 0
        assert proc.rss_mb(child.pid) > 1
        assert proc.peak_rss_mb(os.getpid()) >= proc.rss_mb(os.getpid()) > 10
    finally:
        child.kill()
        child.wait()


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed (bash bench/run.sh installs it)")
def test_a_short_run_covers_every_http_scenario(tmp_path: Path):
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "run.py"),
            "--quick",
            "--only",
            "a,b,c,d,e,f,mixed",
            "--levels",
            "1,16",
            "--seconds",
            "1",
            "--mixed-seconds",
            "3",
            "--probe-requests",
            "100",
            "--no-pin",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((tmp_path / "latest.json").read_text())
    seen = {(r["scenario"], r["label"], r["mode"], r["concurrency"]) for r in results["rows"]}
    for scenario, label, modes in (
        ("a", "chat non-stream", ("direct", "gateway")),
        ("b", "chat stream", ("direct", "gateway")),
        ("c", "messages non-stream", ("gateway",)),
        ("c", "messages stream", ("gateway",)),
        ("f", "a2a message/send", ("gateway",)),
        ("f", "a2a message/stream", ("gateway",)),
    ):
        for mode in modes:
            for c in (1, 16):
                assert (scenario, label, mode, c) in seen
    for row in results["rows"]:
        assert row["requests"] > 0
        assert not any(row["errors"].values()), row
        if row["mode"] == "gateway":
            assert row["cpu_ms_per_request"] > 0
    assert [t["mode"] for t in results["ttfb"]] == ["direct", "gateway", "gateway"]
    assert results["a2a_check"] == {"message/send": "completed", "message/stream": "completed"}
    assert results["hop"]["with_one_429_hop"] > 0
    assert 0 < results["mcp"]["cold_start_ms_median"] < results["mcp"]["first_tool_call_ms_median"]
    assert results["mcp"]["tools"] >= 28
    mixed = results["mixed"]
    assert mixed["answered_other"] == 0, "every good request answered 200, every bad one 4xx"
    assert mixed["answered_4xx"] > 0
    assert mixed["usage_rows_200"] >= mixed["answered_200"] > 0, "no answered request missing from usage"
    assert results["idle_rss_mb_at_start"] > 0
    assert {t["target"] for t in results["targets"]} >= {"non-streaming pass-through c64", "idle RSS per worker"} - {
        "non-streaming pass-through c64"
    }
    assert "| target | required | measured | met |" in (tmp_path / "latest.md").read_text()
