"""a2a/push.py: the webhook URL policy, config CRUD on the real SQLite store, and delivery to a real
aiohttp webhook on loopback (retries with backoff, Retry-After, headers, stats, close)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from omniroute_agent.a2a.errors import INVALID_PARAMS, PUSH_NOT_SUPPORTED, TASK_NOT_FOUND, A2AError
from omniroute_agent.a2a.push import PushPolicy, PushSender, PushStats, address_refusal, check_url
from omniroute_agent.a2a.types import PushAuthentication, PushNotificationConfig, Task, TaskStatus
from omniroute_agent.config import A2aSection
from omniroute_agent.store.base import TaskRow
from omniroute_agent.store.crypto import Cipher
from omniroute_agent.store.sqlite import DB_FILE, SqliteStore

pytestmark = pytest.mark.anyio

TOKEN = "tok-canary-7c1e"
FAST = A2aSection(push_allow_private=True, push_backoff_s=0.05, push_max_attempts=3)


@dataclass
class Hit:
    at: float
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Webhook:
    """A real aiohttp server on 127.0.0.1 answering each path from a script (default 200)."""

    port: int = 0
    hits: list[Hit] = field(default_factory=list)
    script: dict[str, deque[tuple[int, dict[str, str], float]]] = field(default_factory=dict)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, *replies: tuple[int, dict[str, str], float]) -> None:
        self.script.setdefault(path, deque()).extend(replies)

    def to(self, path: str = "/hook") -> list[Hit]:
        return [h for h in self.hits if h.path == path]

    async def handle(self, request: web.Request) -> web.Response:
        self.hits.append(Hit(time.monotonic(), request.path, dict(request.headers), await request.json()))
        queue = self.script.get(request.path)
        status, headers, delay = queue.popleft() if queue else (200, {}, 0.0)
        if delay:
            await asyncio.sleep(delay)
        return web.Response(status=status, headers=headers)


@pytest.fixture
async def webhook() -> AsyncIterator[Webhook]:
    hook = Webhook()
    app = web.Application()
    app.router.add_post("/{tail:.*}", hook.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield hook
    await runner.cleanup()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "data" / DB_FILE, Cipher(bytes(range(32))))
    await s.open()
    await s.save_task(TaskRow("t1", "c1", "working", "smart-routing", 1.0, 1.0, {}, owner="key-a"))
    await s.save_task(TaskRow("t2", "c2", "working", "smart-routing", 1.0, 1.0, {}, owner="key-a"))
    yield s
    await s.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def make_sender(session: aiohttp.ClientSession, store: SqliteStore) -> Callable[..., PushSender]:
    def make(settings: A2aSection = FAST, **kwargs: Any) -> PushSender:
        return PushSender(session, store, settings, **kwargs)

    return make


def task(state: str = "working", task_id: str = "t1") -> Task:
    return Task(id=task_id, context_id="c1", status=TaskStatus(state=state, timestamp="2025-01-01T00:00:00Z"))  # type: ignore[arg-type]


async def drain(sender: PushSender) -> PushStats:
    await sender.close(grace_s=10)
    return sender.stats()


# URL policy


REFUSED = [
    ("http://127.0.0.1/hook", "loopback"),
    ("http://localhost:8080/hook", "loopback"),
    ("http://10.1.2.3/hook", "private"),
    ("http://192.168.1.10/hook", "private"),
    ("http://172.16.0.1/hook", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[::1]/hook", "loopback"),
    ("http://[fd00::1]/hook", "private"),
    ("http://[fe80::1]/hook", "link-local"),
    ("http://[::ffff:127.0.0.1]/hook", "loopback"),
    ("http://[::ffff:10.0.0.1]/hook", "private"),
    ("http://[64:ff9b::a9fe:a9fe]/hook", "link-local"),
    ("http://0x7f000001/hook", "loopback"),
    ("http://2130706433/hook", "loopback"),
    ("http://127.1/hook", "loopback"),
    ("http://0.0.0.0/hook", "unspecified"),
    ("http://224.0.0.1/hook", "multicast"),
    ("http://100.64.0.1/hook", "non-global"),
    ("ftp://example.com/hook", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("http:///hook", "no host"),
    ("http://example.com:99999/", "not a valid URL"),
    ("https://" + "a" * 3000 + ".com/", "longer than"),
]


@pytest.mark.parametrize(("url", "why"), REFUSED)
async def test_private_and_odd_urls_are_refused_naming_why(url: str, why: str) -> None:
    with pytest.raises(A2AError) as caught:
        await check_url(url, allow_private=False)
    assert caught.value.code == INVALID_PARAMS
    assert why in caught.value.message


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://[::1]/hook", "https://10.0.0.5/x"])
async def test_allow_private_lets_internal_webhooks_through(url: str) -> None:
    await check_url(url, allow_private=True)
    await PushPolicy(allow_private=True).check(url)


async def test_allow_private_still_requires_http() -> None:
    with pytest.raises(A2AError, match="only http and https"):
        await check_url("gopher://127.0.0.1/", allow_private=True)


async def test_public_addresses_pass_and_dns_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    loop_thread = threading.get_ident()
    seen: list[tuple[str, int]] = []

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        assert threading.get_ident() != loop_thread  # in a worker thread
        seen.append((host, port))
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    await check_url("https://hooks.example.com/a2a?x=1", allow_private=False)
    assert seen == [("hooks.example.com", 443)]


async def test_a_host_resolving_to_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("fd12::7", port, 0, 0)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(A2AError, match=r"resolves to a private address \(fd12::7\)"):
        await check_url("https://rebind.example.com/", allow_private=False)


async def test_an_unresolvable_host_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(*args: Any, **kwargs: Any) -> list[Any]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(A2AError, match="cannot be resolved"):
        await check_url("https://nowhere.invalid/", allow_private=False)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("2002:0a00:0001::1", "private"),  # 6to4 around 10.0.0.1
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 around 127.0.0.1
        ("ff02::1", "multicast"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_address_refusal(address: str, reason: str | None) -> None:
    assert address_refusal(ipaddress.ip_address(address)) == reason


# config CRUD


async def test_set_get_list_delete_configs(make_sender: Callable[..., PushSender], store: SqliteStore) -> None:
    sender = make_sender()
    first = await sender.set_config("t1", PushNotificationConfig(url="http://127.0.0.1:1/a", token=TOKEN))
    assert first.id == "t1"  # no id: the task id, as a2a-sdk does
    again = await sender.set_config("t1", PushNotificationConfig(url="http://127.0.0.1:1/b"))
    assert again.id == "t1"
    other = await sender.set_config(
        "t1", PushNotificationConfig(id="cfg-2", url="http://127.0.0.1:1/c"), protocol="1.0"
    )

    listed = await sender.list_configs("t1")
    assert [(c.id, c.url) for c in listed] == [("t1", "http://127.0.0.1:1/b"), ("cfg-2", "http://127.0.0.1:1/c")]
    assert (await sender.get_config("t1", "cfg-2")) == other
    assert "protocol" not in (await sender.get_config("t1", "cfg-2")).wire()
    assert [b["protocol"] for b in await store.list_push_configs("t1")] == ["0.3", "1.0"]
    assert (await sender.get_config("t1")).id == "t1"  # no id: the first
    assert await sender.list_configs("t2") == []

    await sender.delete_config("t1", "t1")
    await sender.delete_config("t1", "never-there")  # idempotent
    assert [c.id for c in await sender.list_configs("t1")] == ["cfg-2"]
    with pytest.raises(A2AError) as caught:
        await sender.get_config("t1", "t1")
    assert caught.value.code == TASK_NOT_FOUND


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.set_config("nope", PushNotificationConfig(url="http://127.0.0.1/")),
        lambda s: s.get_config("nope"),
        lambda s: s.list_configs("nope"),
        lambda s: s.delete_config("nope", "x"),
        lambda s: s.list_configs("t1", owner="key-b"),  # another key's task looks absent
        lambda s: s.set_config("t1", PushNotificationConfig(url="http://127.0.0.1/"), owner="key-b"),
    ],
)
async def test_unknown_or_foreign_tasks_are_not_found(make_sender: Callable[..., PushSender], call: Any) -> None:
    with pytest.raises(A2AError) as caught:
        await call(make_sender())
    assert caught.value.code == TASK_NOT_FOUND


async def test_owner_may_manage_its_own_task(make_sender: Callable[..., PushSender]) -> None:
    sender = make_sender()
    await sender.set_config("t1", PushNotificationConfig(url="http://127.0.0.1/"), owner="key-a")
    assert len(await sender.list_configs("t1", owner="key-a")) == 1


async def test_set_config_refuses_private_urls_when_not_allowed(make_sender: Callable[..., PushSender]) -> None:
    sender = make_sender(A2aSection())
    with pytest.raises(A2AError) as caught:
        await sender.set_config("t1", PushNotificationConfig(url="http://169.254.169.254/"))
    assert caught.value.code == INVALID_PARAMS
    assert await sender.list_configs("t1") == []


async def test_configs_per_task_are_capped(make_sender: Callable[..., PushSender]) -> None:
    sender = make_sender()
    for n in range(10):
        await sender.set_config("t1", PushNotificationConfig(id=f"c{n}", url="http://127.0.0.1/"))
    await sender.set_config("t1", PushNotificationConfig(id="c3", url="http://127.0.0.1/x"))  # replacing is fine
    with pytest.raises(A2AError, match="already has 10"):
        await sender.set_config("t1", PushNotificationConfig(id="c10", url="http://127.0.0.1/"))


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.set_config("t1", PushNotificationConfig(url="http://127.0.0.1/")),
        lambda s: s.get_config("t1"),
        lambda s: s.list_configs("t1"),
        lambda s: s.delete_config("t1", "x"),
    ],
)
async def test_disabled_push_is_not_supported(make_sender: Callable[..., PushSender], call: Any) -> None:
    with pytest.raises(A2AError) as caught:
        await call(make_sender(A2aSection(push_enabled=False)))
    assert caught.value.code == PUSH_NOT_SUPPORTED


# delivery


async def test_notification_carries_the_task_token_and_bearer(
    make_sender: Callable[..., PushSender], webhook: Webhook
) -> None:
    sender = make_sender()
    auth = PushAuthentication(schemes=["Bearer"], credentials="cred-1")
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url(), token=TOKEN, authentication=auth))
    await sender.set_config("t1", PushNotificationConfig(id="plain", url=webhook.url("/plain")))

    await sender.notify(task("completed"))
    assert await drain(sender) == PushStats(sent=2, failed=0, retried=0)

    (hit,) = webhook.to("/hook")
    assert hit.headers["X-A2A-Notification-Token"] == TOKEN
    assert hit.headers["Authorization"] == "Bearer cred-1"
    assert hit.body == task("completed").wire()
    assert hit.body["kind"] == "task"
    assert hit.body["status"]["state"] == "completed"
    (plain,) = webhook.to("/plain")
    assert "X-A2A-Notification-Token" not in plain.headers
    assert "Authorization" not in plain.headers


async def test_a_1_0_config_gets_the_1_0_shape(make_sender: Callable[..., PushSender], webhook: Webhook) -> None:
    def render(t: Task) -> dict[str, Any]:
        return {"id": t.id, "status": {"state": "TASK_STATE_" + t.status.state.upper()}}

    sender = make_sender(render_v1=render)
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()), protocol="1.0")
    await sender.notify(task("working"))
    await drain(sender)
    assert webhook.to()[0].body == {"task": {"id": "t1", "status": {"state": "TASK_STATE_WORKING"}}}


async def test_a_1_0_config_is_rendered_by_task_to_v1_by_default(
    make_sender: Callable[..., PushSender], webhook: Webhook
) -> None:
    sender = make_sender()
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()), protocol="1.0")
    await sender.set_config("t1", PushNotificationConfig(id="old", url=webhook.url("/old")))
    await sender.notify(task("completed"))
    await drain(sender)
    body = webhook.to()[0].body
    assert body["task"]["id"] == "t1"
    assert body["task"]["contextId"] == "c1"
    assert body["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    assert webhook.to("/old")[0].body["status"]["state"] == "completed"


async def test_500_then_200_is_retried_after_the_backoff(
    make_sender: Callable[..., PushSender], webhook: Webhook
) -> None:
    sender = make_sender(A2aSection(push_allow_private=True, push_backoff_s=0.2, push_max_attempts=3))
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()))
    webhook.answer("/hook", (500, {}, 0), (503, {}, 0))
    await sender.notify(task())
    assert await drain(sender) == PushStats(sent=1, failed=0, retried=2)
    first, second, third = (h.at for h in webhook.to())
    assert second - first >= 0.19  # backoff * 2**0
    assert third - second >= 0.39  # backoff * 2**1


async def test_429_honours_retry_after(make_sender: Callable[..., PushSender], webhook: Webhook) -> None:
    sender = make_sender(A2aSection(push_allow_private=True, push_backoff_s=0.01))
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()))
    webhook.answer("/hook", (429, {"Retry-After": "1"}, 0))
    await sender.notify(task())
    assert await drain(sender) == PushStats(sent=1, failed=0, retried=1)
    first, second = (h.at for h in webhook.to())
    assert second - first >= 0.95


async def test_attempts_are_capped_and_the_token_is_never_logged(
    make_sender: Callable[..., PushSender], webhook: Webhook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="omniroute_agent.a2a.push")
    sender = make_sender()  # 3 attempts
    auth = PushAuthentication(schemes=["bearer"], credentials="cred-secret")
    url = webhook.url("/hook?sig=query-secret")
    await sender.set_config("t1", PushNotificationConfig(url=url, token=TOKEN, authentication=auth))
    webhook.answer("/hook", *[(502, {}, 0)] * 5)
    await sender.notify(task())
    assert await drain(sender) == PushStats(sent=0, failed=1, retried=2)
    assert len(webhook.to()) == 3
    assert "failed after 3 attempt(s): HTTP 502" in caplog.text
    for secret in (TOKEN, "cred-secret", "query-secret"):
        assert secret not in caplog.text


@pytest.mark.parametrize("status", [400, 404, 302])
async def test_client_errors_and_redirects_are_not_retried(
    make_sender: Callable[..., PushSender], webhook: Webhook, status: int
) -> None:
    sender = make_sender()
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()))
    webhook.answer("/hook", (status, {"Location": webhook.url("/inner")}, 0))
    await sender.notify(task())
    assert await drain(sender) == PushStats(sent=0, failed=1, retried=0)
    assert len(webhook.to()) == 1
    assert webhook.to("/inner") == []


async def test_connection_errors_are_retried(make_sender: Callable[..., PushSender], webhook: Webhook) -> None:
    sender = make_sender()
    await sender.set_config("t1", PushNotificationConfig(url="http://127.0.0.1:1/closed"))
    await sender.notify(task())
    assert await drain(sender) == PushStats(sent=0, failed=1, retried=2)


async def test_the_url_is_checked_again_at_send_time(
    make_sender: Callable[..., PushSender], session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {"hooks.example.com": "93.184.216.34"}

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    sender = make_sender(A2aSection())
    await sender.set_config("t1", PushNotificationConfig(url="https://hooks.example.com/a2a"))
    answers["hooks.example.com"] = "10.0.0.7"  # DNS changed since
    await sender.notify(task())
    assert await drain(sender) == PushStats(sent=0, failed=1, retried=0)


async def test_notify_returns_at_once_and_close_awaits_in_flight_sends(
    make_sender: Callable[..., PushSender], webhook: Webhook
) -> None:
    sender = make_sender()
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()))
    webhook.answer("/hook", (200, {}, 0.4))
    started = time.monotonic()
    await sender.notify(task())
    assert time.monotonic() - started < 0.1
    assert sender.stats().sent == 0
    await sender.close()
    assert sender.stats() == PushStats(sent=1, failed=0, retried=0)
    await sender.notify(task("completed"))  # closed: ignored
    await asyncio.sleep(0.05)
    assert len(webhook.to()) == 1


async def test_close_cancels_sends_that_outlive_its_timeout(
    make_sender: Callable[..., PushSender], webhook: Webhook
) -> None:
    sender = make_sender()
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()))
    webhook.answer("/hook", (200, {}, 5.0))
    await sender.notify(task())
    started = time.monotonic()
    await sender.close(grace_s=0.2)
    assert time.monotonic() - started < 1.0
    assert sender.stats() == PushStats(sent=0, failed=1, retried=0)


async def test_notifications_of_one_task_arrive_in_order(
    make_sender: Callable[..., PushSender], webhook: Webhook
) -> None:
    sender = make_sender()
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()))
    webhook.answer("/hook", (500, {}, 0.1))  # the first one is slow and retried
    await sender.notify(task("working"))
    await sender.notify(task("completed"))
    await drain(sender)
    assert [h.body["status"]["state"] for h in webhook.to()] == ["working", "working", "completed"]


async def test_the_task_is_snapshotted_at_notify_time(make_sender: Callable[..., PushSender], webhook: Webhook) -> None:
    sender = make_sender()
    await sender.set_config("t1", PushNotificationConfig(url=webhook.url()))
    live = task("working")
    await sender.notify(live)
    live.status.state = "completed"
    await drain(sender)
    assert webhook.to()[0].body["status"]["state"] == "working"


async def test_disabled_or_unconfigured_tasks_send_nothing(
    make_sender: Callable[..., PushSender], webhook: Webhook
) -> None:
    sender = make_sender()
    await sender.notify(task(task_id="t2"))
    assert await drain(sender) == PushStats(sent=0, failed=0, retried=0)
    off = make_sender(A2aSection(push_enabled=False))
    await off.notify(task())
    assert await drain(off) == PushStats(sent=0, failed=0, retried=0)
    assert webhook.hits == []


@pytest.mark.anyio
async def test_push_secrets_are_sealed_at_rest(tmp_path: Path) -> None:
    from omniroute_agent.store.crypto import load_cipher
    from omniroute_agent.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "db.sqlite", load_cipher(tmp_path, None))
    await store.open()
    try:
        await store.save_push_config("task-1", "c1", {"url": "https://hooks.example/x", "token": "tok-SECRET-123"})
        assert await store.list_push_configs("task-1") == [
            {"url": "https://hooks.example/x", "token": "tok-SECRET-123"}
        ]
    finally:
        await store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("db.sqlite"))
    assert b"tok-SECRET-123" not in raw
