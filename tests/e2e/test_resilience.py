"""Never stop coding: faults injected by the fake providers, and what the gateway does about them.

A combo `chain` walks three providers, a (keys a1, a2), b and c. Each row of the fault table makes
provider a fail one way and pins: the attempts made (target, status, error class), what the
client got, and the cooldown and breaker state afterwards. Then: the circuit breaker, state that
survives a restart, the same three-target fallback through /v1, MCP and A2A, strategies, budgets,
idempotency and usage with cost.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import GATEWAY_KEY, GatewayProcess, a2a_call, clean_env, omniroute_command, start_gateway
from tests.fakes.upstream import FakeUpstream, Reply

AUTH = {"authorization": f"Bearer {GATEWAY_KEY}"}
USER = [{"role": "user", "content": "hi"}]
A, B, C = "a/gpt-4.1-mini", "b/gpt-4.1-mini", "c/gpt-4.1-mini"


def config(upstream: FakeUpstream, *, extra: str = "", routing: str = "", dead_port: int | None = None) -> str:
    a_url = f"http://127.0.0.1:{dead_port}/v1" if dead_port else upstream.url("a")
    return f"""
[server]
api_keys = ["{GATEWAY_KEY}"]
default_model = "chain"

[routing]
account_strategy = "fill-first"
breaker_failures = 2
breaker_open_s = 30
{routing}

[[providers]]
id = "a"
format = "openai"
base_url = "{a_url}"
api_keys = ["a1", "a2"]
models = ["gpt-4.1-mini"]

[[providers]]
id = "b"
format = "openai"
base_url = "{upstream.url("b")}"
api_keys = ["b1"]
models = ["gpt-4.1-mini"]

[[providers]]
id = "c"
format = "openai"
base_url = "{upstream.url("c")}"
api_keys = ["c1"]
models = ["gpt-4.1-mini"]

[[combos]]
name = "chain"
strategy = "priority"
models = ["{A}", "{B}", "{C}"]
{extra}
"""


def launch(tmp_path: Path, text: str, gateways: list[GatewayProcess], **env: str) -> GatewayProcess:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "omniroute.toml"
    path.write_text(text)
    gw = start_gateway(tmp_path / "data", path, env=clean_env(**env))
    gateways.append(gw)
    return gw


@pytest.fixture
def gw(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]) -> GatewayProcess:
    return launch(tmp_path, config(upstream), gateways)


def chat(gw: GatewayProcess, model: str = "chain", **headers: str) -> httpx.Response:
    return httpx.post(
        gw.v1 + "/chat/completions",
        headers={**AUTH, **headers},
        json={"model": model, "messages": USER},
        timeout=30,
    )


def trace(gw: GatewayProcess, request_id: str) -> list[dict[str, Any]]:
    calls = httpx.get(f"{gw.base_url}/api/logs/{request_id}", headers=AUTH).json()["calls"]
    return list(calls[-1]["attempts"])


def health(gw: GatewayProcess) -> dict[str, Any]:
    return dict(httpx.get(gw.base_url + "/api/health", headers=AUTH).json())


def body(message: str, *, type_: str = "invalid_request_error", code: str | None = None) -> bytes:
    return json.dumps({"error": {"message": message, "type": type_, "param": None, "code": code}}).encode()


QUOTA = Reply(
    status=429,
    body=body(
        "You exceeded your current quota, please check your plan and billing details.",
        type_="insufficient_quota",
        code="insufficient_quota",
    ),
)
CONTEXT = Reply(
    status=400,
    body=body(
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
        code="context_length_exceeded",
    ),
)

FAULTS = [
    # id, replies of provider a, attempts (target, status, class), client status, cooled connections
    (
        "429-retry-after",
        [Reply.error("openai-chat", 429)] * 2,
        [(A, 429, "rate_limit"), (A, 429, "rate_limit"), (B, 200, None)],
        200,
        {"a1": (0.5, 1.5), "a2": (0.5, 1.5)},
    ),
    (
        "401-bad-key",
        [Reply.error("openai-chat", 401)],
        [(A, 401, "auth"), (A, 200, None)],
        200,
        {"a1": (290, 301)},
    ),
    (
        "402-payment",
        [Reply(status=402, body=body("Payment required"))] * 2,
        [(A, 402, "quota_exhausted"), (A, 402, "quota_exhausted"), (B, 200, None)],
        200,
        {"a1": (3590, 3601), "a2": (3590, 3601)},
    ),
    (
        "429-insufficient-quota",
        [QUOTA] * 2,
        [(A, 429, "quota_exhausted"), (A, 429, "quota_exhausted"), (B, 200, None)],
        200,
        {"a1": (3590, 3601)},
    ),
    (
        "500",
        [Reply.error("openai-chat", 500)],
        [(A, 500, "transient"), (B, 200, None)],
        200,
        {"a1": (0.5, 1.5)},
    ),
    ("502", [Reply(status=502, body=b"bad gateway")], [(A, 502, "transient"), (B, 200, None)], 200, {}),
    (
        "503",
        [Reply(status=503, body=body("overloaded", type_="server_error"))],
        [(A, 503, "transient"), (B, 200, None)],
        200,
        {},
    ),
    ("context-too-long", [CONTEXT], [(A, 400, "model_or_context"), (B, 200, None)], 200, {}),
    ("plain-400", [Reply.error("openai-chat", 400)], [(A, 400, "bad_request")], 400, {}),
]


SURFACES = ["v1", "mcp", "a2a"]


async def route_on(surface: str, gw: GatewayProcess) -> tuple[bool, list[dict[str, Any]]]:
    """One request for the default combo through a surface: (answered, its attempts)."""
    if surface == "v1":
        resp = await asyncio.to_thread(chat, gw)
        return resp.status_code == 200, await asyncio.to_thread(trace, gw, resp.headers["x-request-id"])
    if surface == "mcp":
        async with (
            httpx2.AsyncClient(headers=AUTH) as http,
            Client(streamable_http_client(gw.base_url + "/mcp", http_client=http)) as client,
        ):
            result = await client.call_tool("omniroute_route_request", {"messages": USER})
            if result.is_error:
                return False, await asyncio.to_thread(_last_trace, gw)
            routed = result.structured_content or {}
            return True, list(routed["attempts"])
    async with httpx.AsyncClient(timeout=30) as http:
        answer = (
            await http.post(
                gw.base_url + "/a2a",
                headers=AUTH,
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "message/send",
                    "params": {
                        "message": {
                            "role": "user",
                            "messageId": "m1",
                            "parts": [{"kind": "text", "text": "hi"}],
                        }
                    },
                },
            )
        ).json()["result"]
    if answer["status"]["state"] != "completed":
        return False, await asyncio.to_thread(_last_trace, gw)
    return True, list(answer["artifacts"][0]["metadata"]["routing"]["attempts"])


def _last_trace(gw: GatewayProcess) -> list[dict[str, Any]]:
    return list(httpx.get(gw.base_url + "/api/logs", headers=AUTH, params={"limit": 1}).json()["calls"][0]["attempts"])


@pytest.mark.anyio
@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize(
    ("replies", "expected", "client_status", "cooled"), [pytest.param(*f[1:], id=f[0]) for f in FAULTS]
)
async def test_fault_table(
    gw: GatewayProcess,
    upstream: FakeUpstream,
    surface: str,
    replies: list[Reply],
    expected: list[tuple[str, int, str | None]],
    client_status: int,
    cooled: dict[str, tuple[float, float]],
):
    upstream.script("a", *replies)
    answered, attempts = await route_on(surface, gw)
    assert answered is (client_status == 200)
    assert [(a["target"], a["status"], a["error_class"]) for a in attempts] == expected
    if client_status != 200:
        assert upstream.requests_to("b") == [], "a plain bad request is answered at once, with no fallback"
    by_key = dict((await asyncio.to_thread(health, gw))["cooldowns"])
    for key, (low, high) in cooled.items():
        matching = [left for cid, left in by_key.items() if cid.startswith("a-") and _key_of(gw, cid) == key]
        assert matching, f"{key} is cooling down: {by_key}"
        assert low <= matching[0] <= high, by_key


def test_the_v1_client_gets_the_status_of_the_fault(gw: GatewayProcess, upstream: FakeUpstream):
    upstream.script("a", Reply.error("openai-chat", 400))
    resp = chat(gw)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_type", "the provider's own error, passed through"


def _key_of(gw: GatewayProcess, connection_id: str) -> str:
    """Which config key a connection id belongs to (connections are listed in priority order)."""
    quota = httpx.get(gw.base_url + "/api/quota", headers=AUTH).json()["connections"]
    ids = [c["connection"] for c in quota if c["provider"] == "a"]
    return f"a{ids.index(connection_id) + 1}"


def test_connection_refused_and_response_start_timeout_fail_over(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    refused = launch(tmp_path / "refused", config(upstream, dead_port=dead), gateways)
    resp = chat(refused)
    assert resp.status_code == 200
    assert [(a["target"], a["status"], a["error_class"]) for a in trace(refused, resp.headers["x-request-id"])] == [
        (A, 502, "transient"),
        (B, 200, None),
    ]

    slow = launch(tmp_path / "slow", config(upstream), gateways, REQUEST_TIMEOUT_MS="300")
    upstream.script("a", Reply(delay=2.0))
    resp = chat(slow)
    assert resp.status_code == 200
    assert [(a["target"], a["status"]) for a in trace(slow, resp.headers["x-request-id"])] == [
        (A, 504),
        (B, 200),
    ]


def test_the_breaker_opens_after_repeated_server_errors_and_stops_calling_the_provider(
    gw: GatewayProcess, upstream: FakeUpstream
):
    upstream.set_default("a", Reply.error("openai-chat", 500))
    for _ in range(3):  # breaker_failures = 2; each request tries a once (a 500 is not one key's fault)
        assert chat(gw).status_code == 200
    calls_to_a = len(upstream.requests_to("a"))
    resp = chat(gw)
    assert resp.status_code == 200
    attempts = trace(gw, resp.headers["x-request-id"])
    assert attempts[0]["target"] == A
    assert attempts[0]["error_class"] == "circuit_open"
    assert len(upstream.requests_to("a")) == calls_to_a, "an open circuit sends nothing to the provider"
    assert {p["id"]: p["circuit"] for p in health(gw)["providers"]}["a"] == "open"


def test_every_target_down_is_one_clear_error_listing_each_attempt(gw: GatewayProcess, upstream: FakeUpstream):
    for name in "abc":
        upstream.set_default(name, Reply.error("openai-chat", 500))
    resp = chat(gw)
    assert resp.status_code == 500
    error = resp.json()["error"]
    assert error["code"] == "all_targets_failed"
    assert [a["target"] for a in error["attempts"]] == [A, B, C]
    for target in (A, B, C):
        assert target in error["message"]


def test_max_attempts_bounds_a_request(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]):
    extra = (
        '\n[[combos]]\nname = "short"\nmodels = ["a/gpt-4.1-mini", "b/gpt-4.1-mini", "c/gpt-4.1-mini"]\n'
        "max_attempts = 2\n"
    )
    gw = launch(tmp_path, config(upstream, extra=extra), gateways)
    for name in "abc":
        upstream.set_default(name, Reply.error("openai-chat", 429))
    resp = chat(gw, "short")
    assert resp.status_code == 429
    assert len(resp.json()["error"]["attempts"]) == 2
    assert "max attempts reached" in resp.json()["error"]["message"]
    assert upstream.requests_to("b") == []
    assert upstream.requests_to("c") == []


def test_cooldowns_and_breakers_survive_a_restart(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    first = launch(tmp_path, config(upstream), gateways)
    upstream.script("a", Reply.error("openai-chat", 401))
    assert chat(first).status_code == 200
    upstream.set_default("b", Reply.error("openai-chat", 500))
    upstream.script("a", *[Reply.error("openai-chat", 401)])
    for _ in range(3):
        chat(first, B)
    before = health(first)
    assert first.stop() == 0

    second = start_gateway(tmp_path / "data", tmp_path / "omniroute.toml", env=clean_env())
    gateways.append(second)
    after = health(second)
    assert set(after["cooldowns"]) == set(before["cooldowns"])
    assert {p["id"]: p["circuit"] for p in after["providers"]}["b"] == "open"
    upstream.reset()
    resp = chat(second)
    a_keys = [r.headers["Authorization"] for r in upstream.requests_to("a")]
    assert a_keys == ["Bearer a2"], "the rejected key a1 is still cooling down after the restart"
    assert resp.status_code == 200


# ---------------------------------------------------------------- the same fallback on every surface


def _fail_a_and_b(upstream: FakeUpstream) -> None:
    upstream.set_default("a", Reply.error("openai-chat", 500))
    upstream.set_default("b", Reply.error("openai-chat", 429))


def test_three_target_fallback_on_v1(gw: GatewayProcess, upstream: FakeUpstream):
    _fail_a_and_b(upstream)
    resp = chat(gw)
    assert resp.status_code == 200
    assert resp.headers["x-omniroute-target"] == C
    assert [(a["target"], a["status"]) for a in trace(gw, resp.headers["x-request-id"])] == [
        (A, 500),
        (B, 429),
        (C, 200),
    ]


def test_three_target_fallback_on_a2a(gw: GatewayProcess, upstream: FakeUpstream):
    _fail_a_and_b(upstream)
    resp = a2a_call(
        gw, "message/send", {"message": {"role": "user", "messageId": "m1", "parts": [{"kind": "text", "text": "hi"}]}}
    )["result"]
    assert resp["status"]["state"] == "completed"
    routing = resp["artifacts"][0]["metadata"]["routing"]
    assert routing["model"] == C
    assert [(a["target"], a["status"]) for a in routing["attempts"]] == [(A, 500), (B, 429), (C, 200)]


@pytest.mark.anyio
async def test_three_target_fallback_on_mcp_and_explain_route(tmp_path: Path, upstream: FakeUpstream):
    _fail_a_and_b(upstream)
    path = tmp_path / "omniroute.toml"
    path.write_text(config(upstream))
    command, *args = omniroute_command()
    params = StdioServerParameters(
        command=command,
        args=[*args, "--mcp", "--data-dir", str(tmp_path / "data"), "--config", str(path)],
        env=clean_env(),
    )
    async with Client(params) as client:
        routed = (await client.call_tool("omniroute_route_request", {"messages": USER})).structured_content
        assert routed is not None
        assert routed["model"] == C
        explained = (
            await client.call_tool("omniroute_explain_route", {"request_id": routed["request_id"]})
        ).structured_content
    assert explained is not None
    attempts = explained["calls"][0]["attempts"]
    assert [(a["target"], a["status"], a["error_class"]) for a in attempts] == [
        (A, 500, "transient"),
        (B, 429, "rate_limit"),
        (C, 200, None),
    ]


# ---------------------------------------------------------------- strategies, budgets, idempotency, usage


def test_round_robin_and_lkgp_strategies(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]):
    extra = (
        f'\n[[combos]]\nname = "rr"\nstrategy = "round-robin"\nmodels = ["{A}", "{B}"]\n'
        f'\n[[combos]]\nname = "sticky"\nstrategy = "lkgp"\nmodels = ["{A}", "{B}"]\n'
    )
    gw = launch(tmp_path, config(upstream, extra=extra), gateways)
    targets = [chat(gw, "rr").headers["x-omniroute-target"] for _ in range(4)]
    assert targets == [A, B, A, B]
    upstream.script("a", Reply.error("openai-chat", 500))
    assert chat(gw, "sticky").headers["x-omniroute-target"] == B
    assert chat(gw, "sticky").headers["x-omniroute-target"] == B, "last known good first"


def test_an_unknown_strategy_is_refused_when_the_combo_is_saved(gw: GatewayProcess):
    bad = httpx.put(gw.base_url + "/api/combos/new", headers=AUTH, json={"strategy": "fastest", "models": [A]})
    assert bad.status_code == 400
    assert "fastest" in bad.json()["error"]["message"]
    cycle = httpx.put(gw.base_url + "/api/combos/loop", headers=AUTH, json={"models": ["chain", "loop"]})
    assert cycle.status_code == 400
    assert "cycle" in cycle.json()["error"]["message"]
    ok = httpx.put(gw.base_url + "/api/combos/new", headers=AUTH, json={"strategy": "random", "models": [C]})
    assert ok.status_code == 200
    assert chat(gw, "new").headers["x-omniroute-target"] == C


def test_a_budget_blocks_or_degrades(tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]):
    extra = (
        '\n[[combos]]\nname = "cheap"\nmodels = ["c/gpt-4.1-mini"]\n'
        '\n[[budgets]]\nscope = "combo:chain"\nperiod = "day"\nlimit_usd = 0.00001\naction = "degrade"\n'
        'degrade_to = "cheap"\n'
    )
    gw = launch(tmp_path, config(upstream, extra=extra), gateways)
    first = chat(gw)
    assert first.headers["x-omniroute-target"] == A
    degraded = chat(gw)
    assert degraded.status_code == 200
    assert degraded.headers["x-omniroute-target"] == C, "over budget: degraded to the cheaper combo"
    block = httpx.post(
        gw.base_url + "/api/budgets",
        headers=AUTH,
        json={"scope": "global", "limit_usd": 0.00001, "action": "block"},
    )
    assert block.status_code == 200
    blocked = chat(gw)
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "budget_exceeded"


def test_an_idempotency_key_gets_the_first_answer(gw: GatewayProcess, upstream: FakeUpstream):
    one = chat(gw, **{"idempotency-key": "k-1"})
    two = chat(gw, **{"idempotency-key": "k-1"})
    assert one.json() == two.json()
    assert len(upstream.requests_to("a")) == 1


def test_identical_concurrent_temperature_zero_requests_share_one_call(gw: GatewayProcess, upstream: FakeUpstream):
    upstream.set_default("a", Reply(delay=0.4))

    async def both() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            body = {"model": "chain", "messages": USER, "temperature": 0}
            return list(
                await asyncio.gather(
                    *(client.post(gw.v1 + "/chat/completions", headers=AUTH, json=body) for _ in range(3))
                )
            )

    answers = asyncio.run(both())
    assert all(a.status_code == 200 for a in answers)
    assert len(upstream.requests_to("a")) == 1


def test_usage_and_cost_by_provider(gw: GatewayProcess):
    for _ in range(2):
        assert chat(gw).status_code == 200
    time.sleep(0.1)
    report = httpx.get(gw.base_url + "/api/usage", headers=AUTH, params={"group_by": "provider"}).json()
    row = next(r for r in report["rows"] if r["provider"] == "a")
    assert row["requests"] == 2
    assert row["prompt_tokens"] == 2 * 27
    assert row["cost_usd"] > 0
    metrics = httpx.get(gw.base_url + "/api/metrics", headers=AUTH).json()
    target = next(t for t in metrics["targets"] if t["target"] == A)
    assert target["requests"] == 2
    assert set(target["latency_ms"]) == {"p50", "p95", "p99"}


def test_retries_per_target_limits_the_accounts_tried(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    extra = f'\n[[combos]]\nname = "once"\nmodels = ["{A}", "{B}"]\nretries_per_target = 0\n'
    gw = launch(tmp_path, config(upstream, extra=extra), gateways)
    upstream.set_default("a", Reply.error("openai-chat", 429))
    resp = chat(gw, "once")
    assert resp.status_code == 200
    assert [(a["target"], a["status"]) for a in trace(gw, resp.headers["x-request-id"])] == [
        (A, 429),
        (B, 200),
    ]


def test_a_disabled_connection_is_never_used(gw: GatewayProcess, upstream: FakeUpstream):
    quota = httpx.get(gw.base_url + "/api/quota", headers=AUTH).json()["connections"]
    a1 = next(c["connection"] for c in quota if c["provider"] == "a")
    patched = httpx.patch(f"{gw.base_url}/api/connections/{a1}", headers=AUTH, json={"enabled": False})
    assert patched.status_code == 200
    for _ in range(3):
        assert chat(gw).status_code == 200
    assert {r.headers["Authorization"] for r in upstream.requests_to("a")} == {"Bearer a2"}
