"""A2A 1.0 with the official a2a-sdk 1.3 client (it picks 1.0 from the card), and the engine's
features over both versions: token-by-token streaming, cancel of a running streamed task,
resubscribe, list, a two-turn input-required conversation, push notifications to a loopback
webhook, the companion API, and the 1.0-era error codes."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2a.client import ClientConfig, ClientFactory
from a2a.client.client import Client
from a2a.types import (
    CancelTaskRequest,
    GetTaskRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    SubscribeToTaskRequest,
    TaskState,
)
from a2a.utils.errors import TaskNotCancelableError
from aiohttp import web

from tests.conftest import GATEWAY_KEY, GatewayProcess, a2a_call, start_gateway, write_config
from tests.fakes.upstream import FakeUpstream, Reply

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {GATEWAY_KEY}"}
ANSWER = "The capital of France is Paris."


@asynccontextmanager
async def sdk(
    gw: GatewayProcess, *, streaming: bool = False, wire: list[httpx.Request] | None = None
) -> AsyncIterator[Client]:
    async def keep(request: httpx.Request) -> None:
        if wire is not None:
            wire.append(request)

    async with httpx.AsyncClient(headers=AUTH, timeout=30, event_hooks={"request": [keep]}) as http:
        client = await ClientFactory(ClientConfig(streaming=streaming, httpx_client=http)).create_from_url(gw.base_url)
        try:
            yield client
        finally:
            await client.close()


def ask(text: str, **metadata: Any) -> Message:
    message = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)])
    if metadata:
        message.metadata.update(metadata)
    return message


async def events_of(client: Client, message: Message) -> list[StreamResponse]:
    return [ev async for ev in client.send_message(SendMessageRequest(message=message))]


async def test_send_and_get_speak_1_0(gateway: GatewayProcess):
    wire: list[httpx.Request] = []
    async with sdk(gateway, wire=wire) as client:
        [event] = await events_of(client, ask("What is the capital of France?"))
        task = event.task
        assert task.status.state == TaskState.TASK_STATE_COMPLETED
        assert task.artifacts[0].parts[0].text == ANSWER
        got = await client.get_task(GetTaskRequest(id=task.id, history_length=1))
        assert got.id == task.id
        assert len(got.history) <= 1
    posted = [json.loads(r.content) for r in wire if r.method == "POST"]
    assert [p["method"] for p in posted] == ["SendMessage", "GetTask"]
    assert all(r.headers["a2a-version"] == "1.0" for r in wire if r.method == "POST")


async def test_streaming_sends_artifact_chunks_as_tokens_arrive(gateway: GatewayProcess, upstream: FakeUpstream):
    upstream.set_default("fake", Reply(chunk_size=60))
    async with sdk(gateway, streaming=True) as client:
        events = await events_of(client, ask("What is the capital of France?"))
    kinds = [e.WhichOneof("payload") for e in events]
    assert kinds[0] == "task"
    chunks = [e.artifact_update for e in events if e.HasField("artifact_update")]
    assert len(chunks) >= 3, kinds
    text = "".join(p.text for c in chunks for p in c.artifact.parts)
    assert text == ANSWER
    assert chunks[0].append is False
    assert all(c.append for c in chunks[1:])
    assert chunks[-1].last_chunk is True
    states = [e.status_update.status.state for e in events if e.HasField("status_update")]
    assert states[0] == TaskState.TASK_STATE_WORKING
    assert states[-1] == TaskState.TASK_STATE_COMPLETED


async def test_cancel_stops_a_running_streamed_task(gateway: GatewayProcess, upstream: FakeUpstream):
    upstream.set_default("fake", Reply(hang_after=400))
    async with sdk(gateway, streaming=True) as client:
        stream = client.send_message(SendMessageRequest(message=ask("a long answer please")))
        first = await anext(stream)
        task_id = first.task.id
        await asyncio.sleep(0.3)  # the first tokens are in; the upstream now hangs
        canceled = await client.cancel_task(CancelTaskRequest(id=task_id))
        assert canceled.status.state == TaskState.TASK_STATE_CANCELED
        rest = [e async for e in stream]
        assert rest[-1].status_update.status.state == TaskState.TASK_STATE_CANCELED
        with pytest.raises(TaskNotCancelableError):
            await client.cancel_task(CancelTaskRequest(id=task_id))


async def test_resubscribe_attaches_to_a_running_task(gateway: GatewayProcess, upstream: FakeUpstream):
    upstream.set_default("fake", Reply(delay=0.6))
    async with sdk(gateway, streaming=True) as client:
        resp = httpx.post(
            gateway.base_url + "/a2a",
            headers={**AUTH, "A2A-Version": "1.0"},
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "SendMessage",
                "params": {
                    "message": {"role": "ROLE_USER", "messageId": "m1", "parts": [{"text": "hi"}]},
                    "configuration": {"returnImmediately": True},
                },
            },
        )
        task_id = resp.json()["result"]["task"]["id"]
        events = [e async for e in client.subscribe(SubscribeToTaskRequest(id=task_id))]
    assert events[0].task.id == task_id
    assert events[-1].status_update.status.state == TaskState.TASK_STATE_COMPLETED


async def test_list_tasks_by_context(gateway: GatewayProcess):
    async with sdk(gateway) as client:
        first = (await events_of(client, ask("one")))[0].task
        follow = ask("two")
        follow.context_id = first.context_id
        await events_of(client, follow)
        await events_of(client, ask("elsewhere"))
        listed = await client.list_tasks(ListTasksRequest(context_id=first.context_id))
    assert len(listed.tasks) == 2
    assert {t.context_id for t in listed.tasks} == {first.context_id}


async def test_a_two_turn_input_required_conversation(gateway: GatewayProcess):
    async with sdk(gateway) as client:
        asked = (await events_of(client, ask("how much did I spend?", skill="cost-analysis")))[0].task
        assert asked.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
        assert "period" in asked.status.message.parts[0].text.lower()
        reply = ask("this week")
        reply.task_id = asked.id
        reply.context_id = asked.context_id
        done = (await events_of(client, reply))[0].task
    assert done.id == asked.id
    assert done.status.state == TaskState.TASK_STATE_COMPLETED


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append({"token": request.headers.get("X-A2A-Notification-Token"), "body": await request.json()})
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/hook", received
    await runner.cleanup()


async def test_push_notifications_reach_a_loopback_webhook(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess], webhook: tuple[str, list[dict[str, Any]]]
):
    url, received = webhook
    config = write_config(tmp_path / "c.toml", upstream, extra="\n[a2a]\npush_allow_private = true\n")
    gw = start_gateway(tmp_path / "data", config)
    gateways.append(gw)
    resp = a2a_call(
        gw,
        "message/send",
        {
            "message": {"role": "user", "messageId": "m1", "parts": [{"kind": "text", "text": "hi"}]},
            "configuration": {"blocking": False, "pushNotificationConfig": {"url": url, "token": "tok-1"}},
        },
    )["result"]
    for _ in range(100):
        if any(r["body"].get("status", {}).get("state") == "completed" for r in received):
            break
        await asyncio.sleep(0.05)
    states = [r["body"]["status"]["state"] for r in received]
    assert states[-1] == "completed", states
    assert all(r["token"] == "tok-1" for r in received)
    assert received[-1]["body"]["id"] == resp["id"]


async def test_a_private_webhook_is_refused_by_default(gateway: GatewayProcess):
    resp = a2a_call(
        gateway,
        "message/send",
        {
            "message": {"role": "user", "messageId": "m1", "parts": [{"kind": "text", "text": "hi"}]},
            "configuration": {"pushNotificationConfig": {"url": "http://127.0.0.1:9/hook"}},
        },
    )
    assert resp["error"]["code"] == -32602


ERRORS = [
    pytest.param({"A2A-Version": "2.0"}, "GetTask", {"id": "x"}, -32009, id="unsupported-version"),
    pytest.param({"A2A-Version": "1.0"}, "GetTask", {"id": "missing"}, -32001, id="unknown-task-1.0"),
    pytest.param({"A2A-Version": "1.0"}, "message/send", {}, -32601, id="0.3-method-on-1.0"),
    pytest.param({}, "SendMessage", {}, -32601, id="1.0-method-on-0.3"),
    pytest.param(
        {"A2A-Version": "1.0"},
        "SendMessage",
        {"message": {"role": "ROLE_USER", "messageId": "m", "parts": [{"text": "a", "data": {}}]}},
        -32602,
        id="two-part-kinds",
    ),
    pytest.param(
        {},
        "message/send",
        {
            "message": {"role": "user", "messageId": "m", "parts": [{"kind": "text", "text": "hi"}]},
            "configuration": {"acceptedOutputModes": ["image/png"]},
        },
        -32005,
        id="unsupported-content-type",
    ),
]


@pytest.mark.parametrize(("headers", "method", "params", "code"), ERRORS)
async def test_error_codes(
    gateway: GatewayProcess, headers: dict[str, str], method: str, params: dict[str, Any], code: int
):
    resp = httpx.post(
        gateway.base_url + "/a2a",
        headers={**AUTH, **headers},
        json={"jsonrpc": "2.0", "id": 7, "method": method, "params": params},
    )
    assert resp.status_code == 200
    assert resp.json()["error"]["code"] == code
    assert resp.json()["id"] == 7


async def test_cancel_of_a_finished_task_is_32002(gateway: GatewayProcess):
    done = a2a_call(
        gateway,
        "message/send",
        {"message": {"role": "user", "messageId": "m1", "parts": [{"kind": "text", "text": "hi"}]}},
    )["result"]
    resp = httpx.post(
        gateway.base_url + "/a2a",
        headers=AUTH,
        json={"jsonrpc": "2.0", "id": 2, "method": "tasks/cancel", "params": {"id": done["id"]}},
    )
    assert resp.json()["error"]["code"] == -32002


async def test_push_config_when_disabled_is_32003(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    gw = start_gateway(
        tmp_path / "data", write_config(tmp_path / "c.toml", upstream, extra="\n[a2a]\npush_enabled = false\n")
    )
    gateways.append(gw)
    card = httpx.get(gw.base_url + "/.well-known/agent-card.json").json()
    assert card["capabilities"]["pushNotifications"] is False
    task = a2a_call(
        gw, "message/send", {"message": {"role": "user", "messageId": "m1", "parts": [{"kind": "text", "text": "hi"}]}}
    )["result"]
    resp = a2a_call(
        gw,
        "tasks/pushNotificationConfig/set",
        {"taskId": task["id"], "pushNotificationConfig": {"url": "https://example.com/hook"}},
        rpc_id=2,
    )
    assert resp["error"]["code"] == -32003


async def test_the_companion_api(gateway: GatewayProcess):
    task = a2a_call(
        gateway,
        "message/send",
        {"message": {"role": "user", "messageId": "m1", "parts": [{"kind": "text", "text": "hi"}]}},
    )["result"]
    status = httpx.get(gateway.base_url + "/api/a2a/status", headers=AUTH).json()
    assert status["tasks"]["completed"] >= 1
    assert status["last_task"]["id"] == task["id"]
    listed = httpx.get(gateway.base_url + "/api/a2a/tasks", headers=AUTH, params={"state": "completed"}).json()
    assert task["id"] in [t["id"] for t in listed["tasks"]]
    one = httpx.get(f"{gateway.base_url}/api/a2a/tasks/{task['id']}", headers=AUTH)
    assert one.json()["id"] == task["id"]
    cancel = httpx.post(f"{gateway.base_url}/api/a2a/tasks/{task['id']}/cancel", headers=AUTH)
    assert cancel.status_code == 409
    assert httpx.get(f"{gateway.base_url}/api/a2a/tasks/nope", headers=AUTH).status_code == 404


async def test_0_3_message_stream_events_are_valid_0_3(gateway: GatewayProcess, upstream: FakeUpstream):
    """message/stream (0.3): the task, then status and artifact-update events, each a valid 0.3 model."""
    from a2a.compat.v0_3 import types as v03

    upstream.set_default("fake", Reply(chunk_size=60))
    body = {
        "jsonrpc": "2.0",
        "id": "s1",
        "method": "message/stream",
        "params": {"message": {"role": "user", "messageId": "m", "parts": [{"kind": "text", "text": "hi"}]}},
    }
    results = []
    async with (
        httpx.AsyncClient(timeout=30) as http,
        http.stream("POST", gateway.base_url + "/a2a", headers=AUTH, json=body) as resp,
    ):
        assert resp.headers["content-type"].startswith("text/event-stream")
        async for line in resp.aiter_lines():
            if line.startswith("data:"):
                message = json.loads(line.removeprefix("data:").strip())
                assert message["id"] == "s1"
                results.append(message["result"])
    assert results[0]["kind"] == "task"
    v03.Task.model_validate(results[0])
    chunks = [r for r in results if r["kind"] == "artifact-update"]
    for r in chunks:
        v03.TaskArtifactUpdateEvent.model_validate(r)
    assert "".join(p["text"] for c in chunks for p in c["artifact"]["parts"]) == ANSWER
    assert results[-1]["kind"] == "status-update"
    assert results[-1]["final"] is True
    assert results[-1]["status"]["state"] == "completed"


async def test_a_task_is_visible_only_to_the_key_that_created_it(
    tmp_path: Path, upstream: FakeUpstream, gateways: list[GatewayProcess]
):
    other = "sk-other-key-0002"
    config = write_config(tmp_path / "c.toml", upstream, extra=f'\n[[keys]]\nkey = "{other}"\nscopes = ["*"]\n')
    gw = start_gateway(tmp_path / "data", config)
    gateways.append(gw)
    made = a2a_call(
        gw, "message/send", {"message": {"role": "user", "messageId": "m1", "parts": [{"kind": "text", "text": "hi"}]}}
    )["result"]
    for method in ("tasks/get", "tasks/cancel"):
        resp = httpx.post(
            gw.base_url + "/a2a",
            headers={"Authorization": f"Bearer {other}"},
            json={"jsonrpc": "2.0", "id": 2, "method": method, "params": {"id": made["id"]}},
        ).json()
        assert resp["error"]["code"] == -32001, method
    mine = a2a_call(gw, "tasks/get", {"id": made["id"]}, rpc_id=3)
    assert mine["result"]["id"] == made["id"]
