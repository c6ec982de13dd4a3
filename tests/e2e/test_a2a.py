"""A2A 0.3 over JSON-RPC, end to end: the real `omniroute` process, the official a2a-sdk client
(its 0.3 compat transport, picked from our card) and raw httpx for what a client SDK never sends.

The gateway runs the standard test config (conftest.write_config): providers `fake` (keys k1, k2)
and `backup` (b1), default model the combo `stack` = fake/gpt-4.1-mini then backup/gpt-4.1-nano,
and the gateway key `sk-local-1` required on /a2a.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import pytest
from a2a.client import A2ACardResolver, Client, ClientConfig, ClientFactory
from a2a.compat.v0_3 import types as v03
from a2a.types import GetTaskRequest, Message, Part, Role, SendMessageRequest, Task, TaskState
from a2a.utils.errors import TaskNotFoundError
from google.protobuf.json_format import MessageToDict

from omniroute_agent.core.accounts import DEFAULT_COOLDOWN_S
from tests.conftest import GATEWAY_KEY, GatewayProcess, start_gateway, write_config
from tests.fakes.upstream import WIRE, FakeUpstream, Reply

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

AUTH = {"Authorization": f"Bearer {GATEWAY_KEY}"}
FIXTURE_ANSWER = json.loads((WIRE / "openai-chat/text.response.json").read_text())["choices"][0]["message"]["content"]
assert FIXTURE_ANSWER == "The capital of France is Paris."


# ---------------------------------------------------------------- helpers


@asynccontextmanager
async def sdk_client(gw: GatewayProcess, wire: list[httpx.Request] | None = None) -> AsyncIterator[Client]:
    """The SDK client built the way a user builds it: from the card at the base URL. `wire`, when
    given, collects every HTTP request the SDK sends."""

    async def keep(request: httpx.Request) -> None:
        if wire is not None:
            wire.append(request)

    async with httpx.AsyncClient(headers=AUTH, timeout=30, event_hooks={"request": [keep]}) as hc:
        card = await A2ACardResolver(hc, gw.base_url).get_agent_card()
        # These tests pin the 0.3 binding: keep only the card's 0.3 interface, as an 0.3-only agent
        # would publish it (tests/e2e/test_a2a_v1.py drives the same server over 1.0).
        legacy = [i for i in card.supported_interfaces if i.protocol_version.startswith("0.3")]
        del card.supported_interfaces[:]
        card.supported_interfaces.extend(legacy)
        client = ClientFactory(ClientConfig(streaming=False, httpx_client=hc)).create(card)
        try:
            yield client
        finally:
            await client.close()


def user_message(text: str, metadata: dict[str, Any] | None = None) -> Message:
    msg = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)])
    if metadata:
        msg.metadata.update(metadata)
    return msg


async def send(client: Client, message: Message) -> Task:
    """message/send (blocking): the one event is the task in its final state."""
    events = [ev async for ev in client.send_message(SendMessageRequest(message=message))]
    assert len(events) == 1, events
    assert events[0].HasField("task"), events[0]
    return events[0].task


def artifact_text(task: Task) -> str:
    assert len(task.artifacts) == 1, task.artifacts
    return "".join(p.text for p in task.artifacts[0].parts)


def routing_trace(task: Task) -> dict[str, Any]:
    trace: dict[str, Any] = MessageToDict(task.artifacts[0].metadata)["routing"]
    return trace


async def rpc_raw(gw: GatewayProcess, body: bytes | str, headers: dict[str, str] | None = AUTH) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as hc:
        return await hc.post(
            gw.base_url + "/a2a",
            content=body,
            headers={"content-type": "application/json", **(headers or {})},
        )


async def rpc(
    gw: GatewayProcess, method: str, params: Any, *, rid: Any = 1, headers: dict[str, str] | None = AUTH
) -> httpx.Response:
    return await rpc_raw(gw, json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}), headers)


def raw_message(text: str = "What is the capital of France?", **extra: Any) -> dict[str, Any]:
    return {
        "kind": "message",
        "role": "user",
        "messageId": str(uuid.uuid4()),
        "parts": [{"kind": "text", "text": text}],
        **extra,
    }


def result_task(resp: httpx.Response, rid: Any = 1) -> v03.Task:
    """A JSON-RPC success whose result is a strictly valid 0.3 Task."""
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert "error" not in body, body
    assert body.get("jsonrpc") == "2.0", body
    assert body.get("id") == rid, body
    return v03.Task.model_validate(body["result"])


async def assert_serves(gw: GatewayProcess) -> None:
    """A good message/send still completes with the fixture answer."""
    task = result_task(await rpc(gw, "message/send", {"message": raw_message()}, rid="ok"), "ok")
    assert task.status.state == v03.TaskState.completed, task.status
    assert task.artifacts
    assert task.artifacts[0].parts[0].root.text == FIXTURE_ANSWER


# ---------------------------------------------------------------- 1. the card


async def test_card_discovery(gateway: GatewayProcess) -> None:
    """Card (server/card.py build_card, served by server/a2a.py agent_card): the SDK resolver reads
    /.well-known/agent-card.json; the interface url is `<base_url>/a2a` with the real bound port
    (not the `--port 0` asked for); /.well-known/agent.json serves the same JSON without a key; the
    card is a valid 0.3 AgentCard and advertises a bearer scheme because gateway keys are set."""
    async with httpx.AsyncClient(timeout=30) as hc:  # no key: the card is public
        card = await A2ACardResolver(hc, gateway.base_url).get_agent_card()
        new = await hc.get(gateway.base_url + "/.well-known/agent-card.json")
        old = await hc.get(gateway.base_url + "/.well-known/agent.json")

    assert card.name == "omniroute-agent"
    assert "smart-routing" in [s.id for s in card.skills]
    assert not gateway.base_url.endswith(":0")
    interfaces = [(i.url, i.protocol_binding, i.protocol_version) for i in card.supported_interfaces]
    assert interfaces == [
        (gateway.base_url + "/a2a", "JSONRPC", "1.0"),
        (gateway.base_url + "/a2a", "JSONRPC", "0.3"),
    ], interfaces
    assert card.capabilities.streaming is True
    assert card.capabilities.push_notifications is True
    assert card.security_schemes["bearer"].http_auth_security_scheme.scheme.lower() == "bearer"

    assert new.status_code == old.status_code == 200
    assert new.headers["content-type"].startswith("application/json")
    assert new.json() == old.json()
    raw = new.json()
    legacy = v03.AgentCard.model_validate(raw)
    assert legacy.url == gateway.base_url + "/a2a"
    assert legacy.protocol_version.startswith("0.3")
    assert "smart-routing" in [s.id for s in legacy.skills]
    assert legacy.security_schemes is not None
    bearer = legacy.security_schemes["bearer"].root
    assert isinstance(bearer, v03.HTTPAuthSecurityScheme)
    assert bearer.scheme.lower() == "bearer"
    assert legacy.security == [{"bearer": []}]


async def test_card_without_keys_has_no_security(
    tmp_path: Any, upstream: FakeUpstream, gateways: list[GatewayProcess]
) -> None:
    """build_card(secured=False): with no gateway keys configured the card lists no security, and
    /a2a answers without a key."""
    gw = start_gateway(tmp_path / "data", write_config(tmp_path / "omniroute.toml", upstream, api_keys=False))
    gateways.append(gw)
    async with httpx.AsyncClient(timeout=30) as hc:
        raw = (await hc.get(gw.base_url + "/.well-known/agent-card.json")).json()
    assert "securitySchemes" not in raw
    assert "security" not in raw
    resp = await rpc(gw, "message/send", {"message": raw_message()}, headers=None)
    assert result_task(resp).status.state == v03.TaskState.completed


# ---------------------------------------------------------------- 2. send + get


async def test_send_and_get_through_sdk(gateway: GatewayProcess, upstream: FakeUpstream) -> None:
    """message/send (engine.send, blocking): the task completes with the upstream answer as its
    artifact; the user's text reached the upstream; tasks/get returns the stored task with its
    history trimmed to historyLength (types.trim_history)."""
    question = "What is the capital of France? " + uuid.uuid4().hex
    wire: list[httpx.Request] = []
    async with sdk_client(gateway, wire) as client:
        msg = user_message(question)
        task = await send(client, msg)
        assert task.status.state == TaskState.TASK_STATE_COMPLETED, task.status
        assert artifact_text(task) == FIXTURE_ANSWER
        assert task.id
        assert task.context_id

        sent = upstream.requests_to("fake")
        assert len(sent) == 1
        assert sent[0].body["model"] == "gpt-4.1-mini"
        assert sent[0].body["messages"][-1]["content"] == question
        assert upstream.requests_to("backup") == []

        got = await client.get_task(GetTaskRequest(id=task.id, history_length=1))
        assert got.id == task.id
        assert got.context_id == task.context_id
        assert got.status.state == TaskState.TASK_STATE_COMPLETED
        assert artifact_text(got) == FIXTURE_ANSWER
        assert len(got.history) == 1
        assert got.history[0].message_id == msg.message_id
        assert got.history[0].parts[0].text == question

    # the card's 0.3 interface made the SDK speak 0.3 JSON-RPC to <base_url>/a2a
    calls = [r for r in wire if r.method == "POST"]
    assert [str(r.url) for r in calls] == [gateway.base_url + "/a2a"] * 2
    assert [json.loads(r.content)["method"] for r in calls] == ["message/send", "tasks/get"]
    assert {r.headers.get("a2a-version") for r in calls} == {"0.3"}

    # historyLength 0 (an SDK may drop a zero, so raw): no history at all
    trimmed = result_task(await rpc(gateway, "tasks/get", {"id": task.id, "historyLength": 0}))
    assert trimmed.id == task.id
    assert trimmed.status.state == v03.TaskState.completed
    assert not trimmed.history
    full = result_task(await rpc(gateway, "tasks/get", {"id": task.id}))
    assert full.history
    assert full.history[0].message_id == msg.message_id

    # engine._continue: a completed task takes no more messages (-32004), and is left as it was
    resp = await rpc(gateway, "message/send", {"message": raw_message(taskId=task.id)})
    assert resp.json()["error"]["code"] == -32004, resp.text
    after = result_task(await rpc(gateway, "tasks/get", {"id": task.id}))
    assert after.status.state == v03.TaskState.completed
    assert len(after.history) == len(full.history)


# ---------------------------------------------------------------- 3. routing by metadata


async def test_metadata_model_routes_to_named_provider(gateway: GatewayProcess, upstream: FakeUpstream) -> None:
    """skills/smart_routing.py: message metadata `model` names the target; the artifact metadata
    carries the routing trace naming the model that answered."""
    async with sdk_client(gateway) as client:
        task = await send(client, user_message("hi", {"model": "backup/gpt-4.1-nano"}))
    assert task.status.state == TaskState.TASK_STATE_COMPLETED, task.status
    assert artifact_text(task) == FIXTURE_ANSWER
    assert upstream.requests_to("fake") == []
    (req,) = upstream.requests_to("backup")
    assert req.body["model"] == "gpt-4.1-nano"
    trace = routing_trace(task)
    assert trace["requested"] == "backup/gpt-4.1-nano"
    assert trace["model"] == "backup/gpt-4.1-nano"
    assert [(a["target"], a["status"]) for a in trace["attempts"]] == [("backup/gpt-4.1-nano", 200)]


# ---------------------------------------------------------------- 4. fallback


async def test_combo_falls_back_when_first_target_is_rate_limited(
    gateway: GatewayProcess, upstream: FakeUpstream
) -> None:
    """core/gateway.py _walk: both keys of `fake` answer 429, so the combo `stack` moves on to
    `backup`; the task completes and the trace lists the failed tries before the answer."""
    upstream.script("fake", Reply.error("openai-chat", 429), Reply.error("openai-chat", 429))
    async with sdk_client(gateway) as client:
        task = await send(client, user_message("hi", {"combo": "stack"}))
    assert task.status.state == TaskState.TASK_STATE_COMPLETED, task.status
    assert artifact_text(task) == FIXTURE_ANSWER
    assert len(upstream.requests_to("fake")) == 2
    assert len(upstream.requests_to("backup")) == 1
    trace = routing_trace(task)
    assert trace["requested"] == "stack"
    assert trace["model"] == "backup/gpt-4.1-nano"
    assert [(a["target"], a["status"]) for a in trace["attempts"]] == [
        ("fake/gpt-4.1-mini", 429),
        ("fake/gpt-4.1-mini", 429),
        ("backup/gpt-4.1-nano", 200),
    ]
    assert {a["connection"] for a in trace["attempts"][:2]} != {None}
    assert len({a["connection"] for a in trace["attempts"][:2]}) == 2  # each account tried once


# ---------------------------------------------------------------- 5. every target fails


async def test_all_targets_failing_fails_the_task(gateway: GatewayProcess, upstream: FakeUpstream) -> None:
    """engine._run: a GatewayError inside the skill (RoutingFailed) fails the task, with a status
    message naming the attempts; it is not a JSON-RPC error, and the server keeps serving."""
    upstream.set_default("fake", Reply.error("openai-chat", 500))
    upstream.set_default("backup", Reply.error("openai-chat", 500))
    async with sdk_client(gateway) as client:
        task = await send(client, user_message("hi"))
        assert task.status.state == TaskState.TASK_STATE_FAILED, task.status
        assert len(task.artifacts) == 0
        text = "".join(p.text for p in task.status.message.parts)
        # a 500 is the provider's trouble, not one key's: the next target, not the next account
        assert "all targets for 'stack' failed (2 attempts)" in text, text
        assert "fake/gpt-4.1-mini" in text
        assert "backup/gpt-4.1-nano" in text
        assert "500" in text
        assert task.status.message.role == Role.ROLE_AGENT

        # the stored task: user message then the agent's failure message; historyLength=1 keeps the last
        got = await client.get_task(GetTaskRequest(id=task.id, history_length=1))
        assert got.status.state == TaskState.TASK_STATE_FAILED
        assert len(got.history) == 1
        assert got.history[0].role == Role.ROLE_AGENT

        upstream.reset()
        await anyio.sleep(DEFAULT_COOLDOWN_S + 0.2)  # the 500s cooled every connection down
        again = await send(client, user_message("hi again"))
        assert again.status.state == TaskState.TASK_STATE_COMPLETED, again.status
        assert artifact_text(again) == FIXTURE_ANSWER


# ---------------------------------------------------------------- 6. bad input


@pytest.fixture(scope="module")
def shared_gateway(tmp_path_factory: pytest.TempPathFactory, upstream_server: FakeUpstream) -> Iterator[GatewayProcess]:
    """One gateway for the bad-input table: every case must leave it serving the next."""
    root = tmp_path_factory.mktemp("a2a-bad-input")
    gw = start_gateway(root / "data", write_config(root / "omniroute.toml", upstream_server))
    yield gw
    gw.stop()


MISSING = str(uuid.uuid4())


def _req(method: str, params: Any, rid: Any = 7) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})


def _no_params(method: str, rid: Any = 7) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method})


BAD_INPUT = [
    # (case, body, http status, JSON-RPC code, response id)
    ("malformed-json", '{"jsonrpc": "2.0", "id": 7, "method": "message/send", ', 200, -32700, None),
    ("not-utf8", b"\xff\xfe{", 200, -32700, None),
    ("not-an-object", "42", 200, -32600, None),
    ("string-body", '"message/send"', 200, -32600, None),
    (
        "missing-jsonrpc",
        json.dumps({"id": 7, "method": "tasks/get", "params": {"id": "x"}}),
        200,
        -32600,
        None,
    ),
    (
        "wrong-jsonrpc-version",
        json.dumps({"jsonrpc": "1.0", "id": 7, "method": "tasks/get", "params": {"id": "x"}}),
        200,
        -32600,
        None,
    ),
    ("params-not-structured", _req("tasks/get", "x"), 200, -32600, None),
    ("unknown-method", _req("tasks/frobnicate", {"id": "x"}), 200, -32601, 7),
    ("send-no-params", _no_params("message/send"), 200, -32602, 7),
    ("send-positional-params", _req("message/send", [raw_message()]), 200, -32602, 7),
    ("send-unknown-param", _req("message/send", {"message": raw_message(), "bogus": 1}), 200, -32602, 7),
    ("send-missing-message", _req("message/send", {}), 200, -32602, 7),
    ("send-empty-parts", _req("message/send", {"message": {**raw_message(), "parts": []}}), 200, -32602, 7),
    (
        "send-wrong-role",
        _req("message/send", {"message": {**raw_message(), "role": "system"}}),
        200,
        -32602,
        7,
    ),
    (
        "send-no-message-id",
        _req("message/send", {"message": {"role": "user", "parts": [{"kind": "text", "text": "x"}]}}),
        200,
        -32602,
        7,
    ),
    (
        "send-unknown-skill",
        _req("message/send", {"message": raw_message(metadata={"skill": "no-such-skill"})}),
        200,
        -32602,
        7,
    ),
    (
        "send-skill-not-a-string",
        _req("message/send", {"message": raw_message(metadata={"skill": 5})}),
        200,
        -32602,
        7,
    ),
    (
        "send-unknown-model",
        _req("message/send", {"message": raw_message(metadata={"model": "no-such-model"})}),
        200,
        -32602,
        7,
    ),
    (
        "send-unknown-provider",
        _req("message/send", {"message": raw_message(metadata={"model": "nope/x"})}),
        200,
        -32602,
        7,
    ),
    (
        "send-model-not-a-string",
        _req("message/send", {"message": raw_message(metadata={"model": 5})}),
        200,
        -32602,
        7,
    ),
    (
        "send-blank-text",
        _req("message/send", {"message": {**raw_message(), "parts": [{"kind": "text", "text": "  "}]}}),
        200,
        -32602,
        7,
    ),
    ("send-unknown-task-id", _req("message/send", {"message": raw_message(taskId=MISSING)}), 200, -32001, 7),
    ("get-unknown-task", _req("tasks/get", {"id": MISSING}), 200, -32001, 7),
    ("get-unknown-task-string-id", _req("tasks/get", {"id": MISSING}, rid="abc"), 200, -32001, "abc"),
    ("get-missing-id", _req("tasks/get", {}), 200, -32602, 7),
    ("get-negative-history", _req("tasks/get", {"id": MISSING, "historyLength": -1}), 200, -32602, 7),
]


@pytest.mark.parametrize(("body", "status", "code", "rid"), [c[1:] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
async def test_bad_input(
    shared_gateway: GatewayProcess,
    upstream: FakeUpstream,
    body: str | bytes,
    status: int,
    code: int,
    rid: Any,
) -> None:
    """methods.py / jsonrpcserver: each bad request gets its JSON-RPC error code (spec 8: -32700
    parse, -32600 invalid request, -32601 method, -32602 params, -32001 task not found) with the
    request's id (null when it cannot be read), and the server goes on answering good requests."""
    resp = await rpc_raw(shared_gateway, body)
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    answer = resp.json()
    assert isinstance(answer, dict), answer
    assert "result" not in answer, answer
    assert answer["jsonrpc"] == "2.0", answer
    assert answer["id"] == rid, answer
    assert answer["error"]["code"] == code, answer
    assert isinstance(answer["error"]["message"], str)
    assert answer["error"]["message"]
    v03.JSONRPCErrorResponse.model_validate(answer)
    await assert_serves(shared_gateway)


async def test_notification_gets_no_answer(shared_gateway: GatewayProcess) -> None:
    """server/a2a.py a2a_endpoint: a JSON-RPC notification (no id) is answered 204 with no body."""
    resp = await rpc_raw(
        shared_gateway, json.dumps({"jsonrpc": "2.0", "method": "tasks/get", "params": {"id": MISSING}})
    )
    assert resp.status_code == 204
    assert resp.content == b""


async def test_unknown_task_via_sdk(gateway: GatewayProcess) -> None:
    """engine.get: an unknown task id is -32001, which the SDK raises as TaskNotFoundError."""
    async with sdk_client(gateway) as client:
        with pytest.raises(TaskNotFoundError):
            await client.get_task(GetTaskRequest(id=str(uuid.uuid4())))
        task = await send(client, user_message("still there?"))
    assert task.status.state == TaskState.TASK_STATE_COMPLETED


# ---------------------------------------------------------------- 7. gateway keys


@pytest.mark.parametrize(
    "headers",
    [None, {"Authorization": "Bearer sk-wrong"}, {"Authorization": "Basic abc"}],
    ids=["no-key", "wrong-key", "not-bearer"],
)
async def test_a2a_needs_the_gateway_key(
    gateway: GatewayProcess, upstream: FakeUpstream, headers: dict[str, str] | None
) -> None:
    """server/middleware.py ApiKeyMiddleware: /a2a without a valid gateway key is HTTP 401 with a
    JSON-RPC error body (and WWW-Authenticate); nothing reaches the upstream; the card stays public."""
    resp = await rpc(gateway, "message/send", {"message": raw_message()}, headers=headers)
    assert resp.status_code == 401, resp.text
    assert resp.headers["www-authenticate"].lower().startswith("bearer")
    body = resp.json()
    v03.JSONRPCErrorResponse.model_validate(body)
    assert body["jsonrpc"] == "2.0"
    assert body["id"] is None
    assert isinstance(body["error"]["code"], int)
    assert "API key" in body["error"]["message"]
    assert upstream.received == []

    async with httpx.AsyncClient(timeout=30) as hc:
        for path in ("/.well-known/agent-card.json", "/.well-known/agent.json"):
            card = await hc.get(gateway.base_url + path, headers=headers or {})
            assert card.status_code == 200
            assert card.json()["name"] == "omniroute-agent"


# ---------------------------------------------------------------- 8. non-blocking


async def test_non_blocking_send_then_poll(gateway: GatewayProcess, upstream: FakeUpstream) -> None:
    """engine.send with configuration.blocking=false: returns at once with the task not yet
    terminal (submitted/working); the run continues in the background and tasks/get reaches
    completed with the artifact."""
    upstream.script("fake", Reply(delay=0.5))
    t0 = time.monotonic()
    first = result_task(
        await rpc(gateway, "message/send", {"message": raw_message(), "configuration": {"blocking": False}})
    )
    assert time.monotonic() - t0 < 0.5, "a non-blocking send waited for the upstream"
    assert first.status.state in (v03.TaskState.submitted, v03.TaskState.working), first.status
    assert not first.artifacts

    seen = {first.status.state}
    deadline = time.monotonic() + 10
    while True:
        task = result_task(await rpc(gateway, "tasks/get", {"id": first.id}))
        seen.add(task.status.state)
        if task.status.state not in (v03.TaskState.submitted, v03.TaskState.working):
            break
        assert time.monotonic() < deadline, f"still {task.status.state} after 10s"
        await anyio.sleep(0.05)
    assert task.status.state == v03.TaskState.completed, task.status
    assert task.id == first.id
    assert task.context_id == first.context_id
    assert task.artifacts[0].parts[0].root.text == FIXTURE_ANSWER  # type: ignore[union-attr]
    assert v03.TaskState.working in seen, seen  # the upstream took 0.5 s: the run was seen in flight
    assert len(upstream.requests_to("fake")) == 1
