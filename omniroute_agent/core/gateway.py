"""The Gateway: the one entry point every surface calls (`complete`, `stream`, `models`, `health`).

A request resolves to ordered targets; each target is tried on its provider's connections in
rotation. A retryable failure (429, 5xx, auth on that key, no answer) cools the connection down
and moves on: next account first, then next target. Anything else is the caller's error and is
answered at once. Every try is kept as an `Attempt`; the usage row holds them all.
"""

from __future__ import annotations

import asyncio
import copy
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from omniroute_agent import __version__
from omniroute_agent.core.accounts import Accounts
from omniroute_agent.core.replay import ReplayCache
from omniroute_agent.core.resolve import Route, Target, resolve
from omniroute_agent.core.streams import ChatStream, StreamPlan, stream_context
from omniroute_agent.core.table import Provider, RoutingTable
from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.errors import Attempt, GatewayError, InvalidRequest, RoutingFailed, UpstreamError
from omniroute_agent.formats import Format
from omniroute_agent.providers.catalog import quirks_for
from omniroute_agent.providers.executor import Executor, UpstreamStream, build_request
from omniroute_agent.store.base import ConnectionRow, Store, UsageRow
from omniroute_agent.translate.framing import Framing
from omniroute_agent.translate.hub import ChatRequest, ChatResponse, Usage, empty_usage, read_usage
from omniroute_agent.translate.registry import CODECS, passthrough_body

T = TypeVar("T")


@dataclass(slots=True)
class ClientBody:
    """The client's own body and format, for the same-format lane (forwarded nearly untouched)."""

    format: Format
    body: dict[str, Any]


@dataclass(slots=True)
class Completion:
    response: ChatResponse  # the hub form
    requested: str
    target: str
    connection_id: str
    attempts: list[Attempt]
    usage: Usage
    latency_ms: float
    raw: dict[str, Any] | None = None  # the upstream's own body ...
    raw_format: Format | None = None  # ... in this format


@dataclass(slots=True)
class _Answer:
    hub: ChatResponse
    raw: dict[str, Any]
    format: Format


@dataclass(slots=True)
class _Picked:
    target: Target
    connection: ConnectionRow
    provider_format: Format


@dataclass(slots=True)
class Call:
    """One request through the core: who asked for what, when, and every attempt made for it."""

    request_id: str
    surface: str
    requested: str
    stream: bool
    started: float = field(default_factory=time.perf_counter)
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def latency_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def usage_row(
        self,
        status: int,
        *,
        picked: _Picked | None = None,
        usage: Usage | None = None,
        error: str | None = None,
    ) -> UsageRow:
        usage = usage or empty_usage()
        return UsageRow(
            request_id=self.request_id,
            ts=time.time(),
            surface=self.surface,
            model=self.requested,
            target=picked.target.label if picked else None,
            connection_id=picked.connection.id if picked else None,
            status=status,
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            latency_ms=round(self.latency_ms, 3),
            stream=self.stream,
            error=error,
            attempts=[a.as_dict() for a in self.attempts],
        )


@dataclass(slots=True)
class Gateway:
    table: RoutingTable
    executor: Executor
    store: Store
    usage: UsageRecorder
    accounts: Accounts = field(default_factory=Accounts)
    replay: ReplayCache = field(default_factory=ReplayCache)
    max_cooldown_wait_s: float = 2.0
    started_at: float = field(default_factory=time.time)

    async def complete(
        self, request: ChatRequest, *, request_id: str, surface: str, client: ClientBody | None = None
    ) -> Completion:
        call = self._begin(request, request_id, surface, stream=False)
        request = {**request, "model": call.requested, "stream": False}

        async def send(target: Target, provider: Provider, conn: ConnectionRow) -> _Answer:
            body = self._upstream_body(request, client, target, provider, stream=False)
            req = build_request(
                provider.format, provider.base_url, target.model, conn.secret, body, stream=False
            )
            resp = await self.executor.send(req)
            try:
                raw = json.loads(resp.body)
            except ValueError:
                raise UpstreamError("upstream answered invalid JSON", status=502) from None
            if not isinstance(raw, dict):
                raise UpstreamError("upstream answered JSON that is not an object", status=502)
            return _Answer(CODECS[provider.format].response_to_hub(copy.deepcopy(raw)), raw, provider.format)

        answer, picked = await self._walk(call, send)
        self.replay.remember(answer.hub)
        usage = read_usage(answer.hub.get("usage"))
        await self.usage.record(call.usage_row(200, picked=picked, usage=usage))
        return Completion(
            answer.hub,
            call.requested,
            picked.target.label,
            picked.connection.id,
            call.attempts,
            usage,
            call.latency_ms,
            answer.raw,
            answer.format,
        )

    async def stream(
        self,
        request: ChatRequest,
        *,
        request_id: str,
        surface: str,
        client_format: Format = "openai",
        client_framing: Framing = "sse",
        client: ClientBody | None = None,
    ) -> ChatStream:
        """Falls back between targets until one answers 200; from then on the stream is the client's."""
        call = self._begin(request, request_id, surface, stream=True)
        request = {**request, "model": call.requested, "stream": True}

        async def open_(target: Target, provider: Provider, conn: ConnectionRow) -> UpstreamStream:
            body = self._upstream_body(request, client, target, provider, stream=True)
            req = build_request(
                provider.format, provider.base_url, target.model, conn.secret, body, stream=True
            )
            upstream = await self.executor.open_stream(req)
            await upstream.prime(self.executor.first_byte_timeout)
            return upstream

        upstream, picked = await self._walk(call, open_)
        include_usage = bool((request.get("stream_options") or {}).get("include_usage"))
        plan = StreamPlan(
            upstream_format=picked.provider_format,
            client_format=client_format,
            client_framing=client_framing,
            context=stream_context(request_id, call.requested, include_usage),
        )

        def finish_row(status: int, usage: Usage, error: str | None) -> UsageRow:
            return call.usage_row(status, picked=picked, usage=usage, error=error)

        return ChatStream(
            self.usage,
            upstream,
            plan,
            target=picked.target.label,
            connection_id=picked.connection.id,
            attempts=call.attempts,
            finish_row=finish_row,
            replay=self.replay,
        )

    def _upstream_body(
        self,
        request: ChatRequest,
        client: ClientBody | None,
        target: Target,
        provider: Provider,
        *,
        stream: bool,
    ) -> bytes:
        """The same-format lane forwards the client's own body; any other pair goes through the hub."""
        if client is not None and client.format == provider.format:
            body = passthrough_body(provider.format, client.body, target.model, stream=stream)
        else:
            quirks = quirks_for(provider.id, provider.format, target.model)
            body = CODECS[provider.format].request_from_hub(
                self.replay.restore(request), target.model, quirks
            )
        return json.dumps(body, ensure_ascii=False).encode()

    def _begin(self, request: ChatRequest, request_id: str, surface: str, *, stream: bool) -> Call:
        requested = str(request.get("model") or self.table.default_model or "").strip()
        if not requested:
            raise InvalidRequest(
                "name a model: none was given and no default_model is configured", param="model"
            )
        return Call(request_id, surface, requested, stream)

    async def _walk(
        self, call: Call, attempt: Callable[[Target, Provider, ConnectionRow], Awaitable[T]]
    ) -> tuple[T, _Picked]:
        """Every failure that ends the walk is recorded (with its attempts) before it is raised."""
        refused: list[InvalidRequest] = []
        try:
            route = resolve(self.table, call.requested)
            found, soonest = await self._pass(route, call.attempts, refused, attempt)
            if found is None and soonest is not None and soonest <= self.max_cooldown_wait_s:
                # Nothing was tried because every connection is cooling down, and not for long: wait
                # for the first one rather than failing a request that a second's patience would serve.
                await asyncio.sleep(soonest + 0.005)
                found, _ = await self._pass(route, call.attempts, refused, attempt)
            if found is None and refused and len(refused) == sum(1 for a in call.attempts if a.connection):
                raise refused[0]  # no target could express the request: the caller's 400, as it is
            if found is None:
                cooldowns = [a.cooldown_s for a in call.attempts if a.cooldown_s is not None]
                raise RoutingFailed(
                    call.requested, call.attempts, retry_after=min(cooldowns, default=soonest)
                )
        except GatewayError as exc:
            await self.usage.record(call.usage_row(exc.status, error=exc.message))
            raise
        return found

    async def _pass(
        self,
        route: Route,
        attempts: list[Attempt],
        refused: list[InvalidRequest],
        call: Callable[[Target, Provider, ConnectionRow], Awaitable[T]],
    ) -> tuple[tuple[T, _Picked] | None, float | None]:
        """One walk over the targets. Returns the first success, else (None, the shortest cooldown
        that kept a connection from being tried when no connection was tried at all)."""
        soonest: float | None = None
        tried = False
        for target in route.targets:
            provider = target.provider
            if provider is None:
                attempts.append(Attempt(target.label, None, None, "provider is not configured"))
                continue
            if provider.format not in CODECS:
                attempts.append(
                    Attempt(target.label, None, None, f"format '{provider.format}' is not supported yet")
                )
                continue
            ready, cooling = self.accounts.order(provider)
            if not ready:
                if cooling:
                    left = min(self.accounts.cooldown_left(c.id) for c in cooling)
                    soonest = left if soonest is None else min(soonest, left)
                    reason = f"all {len(cooling)} connections cooling down ({left:.1f}s left)"
                else:
                    reason = "provider has no connection"
                attempts.append(Attempt(target.label, None, None, reason))
                continue
            for conn in ready:
                tried = True
                t0 = time.perf_counter()
                try:
                    result = await call(target, provider, conn)
                except InvalidRequest as exc:
                    # This target's format cannot express the request: another target may.
                    refused.append(exc)
                    attempts.append(Attempt(target.label, conn.id, 400, exc.message))
                    break
                except UpstreamError as exc:
                    exc.format = provider.format
                    elapsed = (time.perf_counter() - t0) * 1000
                    if not exc.retryable:
                        attempts.append(Attempt(target.label, conn.id, exc.status, exc.message, elapsed))
                        raise
                    cooldown = self.accounts.failed(conn.id, exc)
                    attempts.append(
                        Attempt(target.label, conn.id, exc.status, exc.message, elapsed, cooldown)
                    )
                    continue
                self.accounts.succeeded(conn.id)
                attempts.append(Attempt(target.label, conn.id, 200, None, (time.perf_counter() - t0) * 1000))
                return (result, _Picked(target, conn, provider.format)), None
        return None, (None if tried else soonest)

    def models(self) -> list[dict[str, Any]]:
        """Every model a client can name: provider models as `provider/model`, then combos."""
        listed: list[dict[str, Any]] = []
        for provider in self.table.providers.values():
            if not provider.enabled_connections and provider.key_required:
                continue
            listed.extend(
                {
                    "id": f"{provider.id}/{m}",
                    "owned_by": provider.id,
                    "kind": "model",
                    "format": provider.format,
                }
                for m in provider.models
            )
        listed.extend(
            {
                "id": c.name,
                "owned_by": "combo",
                "kind": "combo",
                "strategy": c.strategy,
                "targets": list(c.models),
            }
            for c in self.table.combos.values()
        )
        return listed

    async def health(self) -> dict[str, Any]:
        try:
            store_ok = await self.store.ping()
        except Exception:
            store_ok = False
        cooling = self.accounts.snapshot()
        providers = [
            {
                "id": p.id,
                "format": p.format,
                "connections": len(p.connections),
                "enabled": len(p.enabled_connections),
                "cooling_down": sum(1 for c in p.connections if c.id in cooling),
            }
            for p in self.table.providers.values()
        ]
        return {
            "status": "ok" if store_ok else "degraded",
            "version": __version__,
            "uptime_s": round(time.time() - self.started_at, 3),
            "store": "ok" if store_ok else "unavailable",
            "providers": providers,
            "combos": len(self.table.combos),
            "cooldowns": cooling,
        }
