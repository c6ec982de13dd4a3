"""A2A push notifications: which webhook URLs are allowed, the config CRUD behind the
`tasks/pushNotificationConfig/*` methods, and the sender that posts a task to its webhooks.

A webhook URL is checked when it is set and again before every delivery (DNS may change in between):
http or https only and, unless `[a2a] push_allow_private`, every address its host resolves to must be
public: no loopback, private, link-local, multicast, reserved, unspecified or otherwise non-global
address, IPv4-mapped, 6to4 and NAT64 IPv6 judged by the IPv4 address they carry. Redirects are not
followed, so an allowed webhook cannot bounce the request inward.

`PushSender.notify` never blocks the engine: it snapshots the task and schedules its delivery in a
background task. Deliveries for one task go out in order; each webhook gets up to `push_max_attempts`
tries, retried on connection errors, timeouts, 408, 429 and 5xx after `push_backoff_s * 2**n` seconds,
or after the Retry-After the webhook asked for (capped at a minute). A config set through a 1.0 method
is sent the 1.0 shape (`{"task": ...}`), any other the 0.3 Task.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import aiohttp
from yarl import URL

from omniroute_agent.a2a.errors import INVALID_PARAMS, PUSH_NOT_SUPPORTED, TASK_NOT_FOUND, A2AError
from omniroute_agent.a2a.types import PushNotificationConfig, Task
from omniroute_agent.a2a.v1 import task_to_v1
from omniroute_agent.config import A2aSection
from omniroute_agent.store.base import Store

log = logging.getLogger(__name__)

PushProtocol = Literal["0.3", "1.0"]
Render = Callable[[Task], dict[str, Any]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

TOKEN_HEADER = "X-A2A-Notification-Token"  # noqa: S105  (a header name)
MAX_URL_LENGTH = 2048
MAX_CONFIGS_PER_TASK = 10
MAX_DELAY_S = 60.0
RESOLVE_TIMEOUT_S = 5.0
SEND_TIMEOUT = aiohttp.ClientTimeout(total=10)
RETRY_STATUSES = frozenset({408, 429})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


# URL policy


def address_refusal(address: IPAddress) -> str | None:
    """Why a webhook may not be sent to `address` ("loopback", "private", ...), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return address_refusal(embedded)
    checks = (  # the most specific first: is_private also covers loopback, link-local and unspecified
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-global", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise A2AError(INVALID_PARAMS) naming why `url` may not receive push notifications."""
    if len(url) > MAX_URL_LENGTH:
        raise _refused(url, f"it is longer than {MAX_URL_LENGTH} characters")
    try:
        parsed = URL(url)
    except ValueError as exc:
        raise _refused(url, f"it is not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https"):
        raise _refused(url, "only http and https webhooks are allowed")
    if not parsed.raw_host:
        raise _refused(url, "it has no host")
    if allow_private:
        return
    for address in await _resolve(url, parsed.raw_host, parsed.port):
        if reason := address_refusal(address):
            raise _refused(url, f"its host resolves to a {reason} address ({address})")


@dataclass(frozen=True, slots=True)
class PushPolicy:
    allow_private: bool = False

    async def check(self, url: str) -> None:
        await check_url(url, allow_private=self.allow_private)


async def _resolve(url: str, host: str, port: int | None) -> list[IPAddress]:
    try:
        infos = await asyncio.wait_for(
            asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_S
        )
        return [ipaddress.ip_address(str(info[4][0])) for info in infos]
    except (OSError, TimeoutError, ValueError) as exc:
        raise _refused(url, f"its host cannot be resolved ({type(exc).__name__})") from None


def _refused(url: str, why: str) -> A2AError:
    return A2AError(INVALID_PARAMS, f"push notification URL {_redact(url)!r} refused: {why}")


def _redact(url: str) -> str:
    """The URL without credentials or query, fit for logs and error messages."""
    try:
        return str(URL(url).with_user(None).with_query(None).with_fragment(None))
    except ValueError:
        return url[:80]


# Sender


@dataclass(frozen=True, slots=True)
class PushStats:
    sent: int  # deliveries a webhook accepted (2xx)
    failed: int  # deliveries given up: refused URL, non-retryable answer, attempts exhausted, shut down
    retried: int  # extra attempts made after a retryable failure


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    retry: bool = False
    retry_after: float | None = None
    reason: str = ""


class PushSender:
    """Posts task snapshots to the webhooks registered for them, and keeps those registrations.

    `render_v1` turns a Task into its 1.0 ProtoJSON shape for configs set through a 1.0 method.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        store: Store,
        settings: A2aSection,
        *,
        render_v1: Render = task_to_v1,
    ) -> None:
        self._session = session
        self._store = store
        self._settings = settings
        self._policy = PushPolicy(settings.push_allow_private)
        self._render_v1 = render_v1
        self._jobs: set[asyncio.Task[None]] = set()
        self._last: dict[str, asyncio.Task[None]] = {}  # task id → its latest delivery, to keep order
        self._closed = False
        self._sent = self._failed = self._retried = 0

    @property
    def enabled(self) -> bool:
        return self._settings.push_enabled

    def stats(self) -> PushStats:
        return PushStats(sent=self._sent, failed=self._failed, retried=self._retried)

    # config CRUD (the tasks/pushNotificationConfig/* methods)

    async def set_config(
        self, task_id: str, config: PushNotificationConfig, *, protocol: PushProtocol = "0.3", owner: str | None = None
    ) -> PushNotificationConfig:
        """Validate and store `config` for the task; a config without id gets the task id (as a2a-sdk
        does), so setting one again replaces it. `owner`, when given, must own the task."""
        await self._require_task(task_id, owner)
        await self._policy.check(config.url)
        config_id = config.id or task_id
        stored = config.model_copy(update={"id": config_id})
        existing = {c.get("id") for c in await self._store.list_push_configs(task_id)}
        if config_id not in existing and len(existing) >= MAX_CONFIGS_PER_TASK:
            raise A2AError(INVALID_PARAMS, f"task {task_id!r} already has {MAX_CONFIGS_PER_TASK} push configs")
        await self._store.save_push_config(task_id, config_id, {**stored.wire(), "protocol": protocol})
        return stored

    async def get_config(
        self, task_id: str, config_id: str | None = None, *, owner: str | None = None
    ) -> PushNotificationConfig:
        """The config `config_id` (default: the first one) of the task; TASK_NOT_FOUND when absent."""
        await self._require_task(task_id, owner)
        configs = await self._load(task_id)
        found = next((c for c, _ in configs if config_id is None or c.id == config_id), None)
        if found is None:
            raise A2AError(TASK_NOT_FOUND, f"push notification config {config_id or ''!r} not found for {task_id!r}")
        return found

    async def list_configs(self, task_id: str, *, owner: str | None = None) -> list[PushNotificationConfig]:
        await self._require_task(task_id, owner)
        return [config for config, _ in await self._load(task_id)]

    async def delete_config(self, task_id: str, config_id: str, *, owner: str | None = None) -> None:
        """Delete a config; deleting one that does not exist is not an error (as in a2a-sdk)."""
        await self._require_task(task_id, owner)
        await self._store.delete_push_config(task_id, config_id)

    async def _require_task(self, task_id: str, owner: str | None) -> None:
        if not self._settings.push_enabled:
            raise A2AError(PUSH_NOT_SUPPORTED, "push notifications are disabled on this agent")
        row = await self._store.get_task(task_id)
        if row is None or (owner is not None and row.owner != owner):
            raise A2AError(TASK_NOT_FOUND, f"task {task_id!r} not found")

    async def _load(self, task_id: str) -> list[tuple[PushNotificationConfig, PushProtocol]]:
        loaded: list[tuple[PushNotificationConfig, PushProtocol]] = []
        for body in await self._store.list_push_configs(task_id):
            fields = dict(body)
            protocol: PushProtocol = "1.0" if fields.pop("protocol", "0.3") == "1.0" else "0.3"
            loaded.append((PushNotificationConfig.model_validate(fields), protocol))
        return loaded

    # delivery

    async def notify(self, task: Task) -> None:
        """Schedule a notification of `task`'s current state to its webhooks and return at once."""
        if self._closed or not self._settings.push_enabled:
            return
        snapshot = task.model_copy(deep=True)
        job = asyncio.create_task(self._deliver(snapshot, self._last.get(task.id)), name=f"a2a-push-{task.id}")
        self._jobs.add(job)
        self._last[task.id] = job
        job.add_done_callback(partial(self._forget, task.id))

    async def close(self, *, grace_s: float = 5.0) -> None:
        """Stop taking notifications, wait up to `grace_s` for the ones in flight, cancel the rest."""
        self._closed = True
        if not self._jobs:
            return
        _, pending = await asyncio.wait(set(self._jobs), timeout=grace_s)
        for job in pending:
            job.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _forget(self, task_id: str, job: asyncio.Task[None]) -> None:
        self._jobs.discard(job)
        if self._last.get(task_id) is job:
            del self._last[task_id]

    async def _deliver(self, task: Task, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        try:
            targets = await self._load(task.id)
        except Exception:  # a background task: the engine must never see this
            log.exception("push notification configs of task %s could not be read", task.id)
            return
        await asyncio.gather(*(self._send(task, config, protocol) for config, protocol in targets))

    async def _send(self, task: Task, config: PushNotificationConfig, protocol: PushProtocol) -> None:
        where = _redact(config.url)
        try:
            await self._policy.check(config.url)
            body = self._body(task, protocol)
        except A2AError as exc:
            self._failed += 1
            log.warning("push notification for task %s not sent: %s", task.id, exc.message)
            return
        headers = _headers(config)
        try:
            await self._attempts(task.id, config.url, where, body, headers)
        except asyncio.CancelledError:
            self._failed += 1
            log.warning("push notification for task %s to %s cancelled at shutdown", task.id, where)
            raise

    async def _attempts(self, task_id: str, url: str, where: str, body: Any, headers: dict[str, str]) -> None:
        attempts = self._settings.push_max_attempts
        for attempt in range(attempts):
            outcome = await self._post(url, body, headers)
            if outcome.ok:
                self._sent += 1
                log.debug("push notification for task %s sent to %s", task_id, where)
                return
            if not outcome.retry or attempt + 1 == attempts:
                self._failed += 1
                log.warning(
                    "push notification for task %s to %s failed after %d attempt(s): %s",
                    task_id,
                    where,
                    attempt + 1,
                    outcome.reason,
                )
                return
            self._retried += 1
            delay = outcome.retry_after
            if delay is None:
                delay = self._settings.push_backoff_s * 2**attempt
            await asyncio.sleep(min(delay, MAX_DELAY_S))

    async def _post(self, url: str, body: Any, headers: dict[str, str]) -> _Outcome:
        try:
            async with self._session.post(
                url, json=body, headers=headers, timeout=SEND_TIMEOUT, allow_redirects=False
            ) as response:
                if 200 <= response.status < 300:
                    return _Outcome(ok=True)
                retry = response.status in RETRY_STATUSES or response.status >= 500
                after = _retry_after(response.headers.get("Retry-After")) if retry else None
                return _Outcome(ok=False, retry=retry, retry_after=after, reason=f"HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return _Outcome(ok=False, retry=True, reason=type(exc).__name__)

    def _body(self, task: Task, protocol: PushProtocol) -> dict[str, Any]:
        if protocol == "0.3":
            return task.wire()
        return {"task": self._render_v1(task)}


def _headers(config: PushNotificationConfig) -> dict[str, str]:
    headers: dict[str, str] = {}
    if config.token:
        headers[TOKEN_HEADER] = config.token
    auth = config.authentication
    if auth is not None and auth.credentials:
        schemes = {s.lower(): s for s in auth.schemes}
        if "bearer" in schemes:
            headers["Authorization"] = f"Bearer {auth.credentials}"
        elif auth.schemes:
            headers["Authorization"] = f"{auth.schemes[0]} {auth.credentials}"
    return headers


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
