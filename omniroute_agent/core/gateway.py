"""The Gateway: the one entry point every surface calls (`complete`, `stream`, `models`, `health`).

A request resolves to ordered targets; each target is tried on its provider's connections in
rotation. A retryable failure (429, 5xx, auth on that key, no answer) cools the connection down
and moves on: next account first, then next target. Anything else is the caller's error and is
answered at once. Every try is kept as an `Attempt`; the usage row holds them all.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from omniroute_agent import __version__
from omniroute_agent.core.accounts import Accounts
from omniroute_agent.core.resolve import Route, Target, resolve
from omniroute_agent.core.table import Provider, RoutingTable
from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.errors import Attempt, GatewayError, RoutingFailed, UnsupportedFormat, UpstreamError
from omniroute_agent.providers.executor import Executor, UpstreamStream, build_request
from omniroute_agent.store.base import ConnectionRow, Store, UsageRow
from omniroute_agent.translate.hub import ChatRequest, ChatResponse, Usage, empty_usage, read_usage
from omniroute_agent.translate.openai_chat.stream import PassthroughTap
from omniroute_agent.translate.registry import CODECS

T = TypeVar("T")


@dataclass(slots=True)
class Completion:
    response: ChatResponse
    requested: str
    target: str
    connection_id: str
    attempts: list[Attempt]
    usage: Usage
    latency_ms: float


@dataclass(slots=True)
class _Picked:
    target: Target
    connection: ConnectionRow
    attempts: list[Attempt]


class ChatStream:
    """An upstream stream that answered 200. Iterate `events()` for the client's SSE bytes; usage
    is recorded when the iteration ends, however it ends (done, upstream cut, client gone)."""

    def __init__(
        self,
        gateway: Gateway,
        upstream: UpstreamStream,
        picked: _Picked,
        request: ChatRequest,
        *,
        request_id: str,
        surface: str,
        started: float,
    ) -> None:
        self._gateway = gateway
        self._upstream = upstream
        self.target = picked.target.label
        self.connection_id = picked.connection.id
        self.attempts = picked.attempts
        self._requested = str(request.get("model", ""))
        self._request_id = request_id
        self._surface = surface
        self._started = started
        options = request.get("stream_options") or {}
        self.tap = PassthroughTap(include_usage=bool(options.get("include_usage")))

    @property
    def usage(self) -> Usage:
        return self.tap.usage

    async def events(self) -> AsyncIterator[bytes]:
        error: str | None = None
        try:
            async for chunk in self._upstream.chunks():
                out = self.tap.feed(chunk)
                if out:
                    yield out
            tail = self.tap.finish()
            if tail:
                yield tail
            if self.tap.error is not None:
                error = str(self.tap.error.get("message", "upstream error in stream"))
            elif not self.tap.done:
                error = "upstream stream ended without [DONE]"
                yield _stream_error(error)
        except UpstreamError as exc:
            error = exc.message
            yield _stream_error(f"upstream stream broke: {exc.message}")
        finally:
            self._upstream.close()
            await self._gateway.record(
                self._request_id,
                self._surface,
                self._requested,
                self.target,
                self.connection_id,
                200 if error is None else 502,
                self.tap.usage,
                self._started,
                self.attempts,
                stream=True,
                error=error,
            )


def _stream_error(message: str) -> bytes:
    payload = {"error": {"message": message, "type": "upstream_error", "code": "stream_interrupted"}}
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


@dataclass(slots=True)
class Gateway:
    table: RoutingTable
    executor: Executor
    store: Store
    usage: UsageRecorder
    accounts: Accounts = field(default_factory=Accounts)
    max_cooldown_wait_s: float = 2.0
    started_at: float = field(default_factory=time.time)

    async def complete(self, request: ChatRequest, *, request_id: str, surface: str) -> Completion:
        started = time.perf_counter()
        requested = str(request.get("model") or self.table.default_model or "")
        request = {**request, "model": requested, "stream": False}
        attempts: list[Attempt] = []

        async def send(target: Target, provider: Provider, conn: ConnectionRow) -> ChatResponse:
            codec = CODECS[provider.format]
            body = json.dumps(codec.request_from_hub(request, target.model)).encode()
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
            return codec.response_to_hub(raw)

        try:
            response, picked = await self._walk(requested, attempts, send)
        except GatewayError as exc:
            await self.record(
                request_id,
                surface,
                requested,
                None,
                None,
                exc.status,
                empty_usage(),
                started,
                attempts,
                error=exc.message,
            )
            raise
        usage = read_usage(response.get("usage"))
        latency = await self.record(
            request_id,
            surface,
            requested,
            picked.target.label,
            picked.connection.id,
            200,
            usage,
            started,
            attempts,
        )
        return Completion(
            response, requested, picked.target.label, picked.connection.id, attempts, usage, latency
        )

    async def stream(self, request: ChatRequest, *, request_id: str, surface: str) -> ChatStream:
        """Falls back between targets until one answers 200; from then on the stream is the client's."""
        started = time.perf_counter()
        requested = str(request.get("model") or self.table.default_model or "")
        request = {**request, "model": requested, "stream": True}
        attempts: list[Attempt] = []

        async def open_(target: Target, provider: Provider, conn: ConnectionRow) -> UpstreamStream:
            if provider.format != "openai":
                raise UnsupportedFormat(f"streaming to '{provider.format}' upstreams is not supported yet")
            body = json.dumps(CODECS["openai"].request_from_hub(request, target.model)).encode()
            req = build_request("openai", provider.base_url, target.model, conn.secret, body, stream=True)
            return await self.executor.open_stream(req)

        try:
            upstream, picked = await self._walk(requested, attempts, open_)
        except GatewayError as exc:
            await self.record(
                request_id,
                surface,
                requested,
                None,
                None,
                exc.status,
                empty_usage(),
                started,
                attempts,
                stream=True,
                error=exc.message,
            )
            raise
        return ChatStream(
            self, upstream, picked, request, request_id=request_id, surface=surface, started=started
        )

    async def _walk(
        self,
        requested: str,
        attempts: list[Attempt],
        call: Callable[[Target, Provider, ConnectionRow], Awaitable[T]],
    ) -> tuple[T, _Picked]:
        route: Route = resolve(self.table, requested)
        picked, soonest = await self._pass(route, attempts, call)
        if picked is None and soonest is not None and soonest <= self.max_cooldown_wait_s:
            # Nothing was tried because every connection is cooling down, and not for long: wait
            # for the first one rather than failing a request that a second's patience would serve.
            await asyncio.sleep(soonest + 0.005)
            picked, _ = await self._pass(route, attempts, call)
        if picked is not None:
            return picked
        retry_after = min((a.cooldown_s for a in attempts if a.cooldown_s is not None), default=soonest)
        raise RoutingFailed(requested, attempts, retry_after=retry_after)

    async def _pass(
        self,
        route: Route,
        attempts: list[Attempt],
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
                except UnsupportedFormat as exc:
                    attempts.append(Attempt(target.label, conn.id, None, exc.message))
                    break
                except UpstreamError as exc:
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
                return (result, _Picked(target, conn, attempts)), None
        return None, (None if tried else soonest)

    async def record(
        self,
        request_id: str,
        surface: str,
        requested: str,
        target: str | None,
        connection_id: str | None,
        status: int,
        usage: Usage,
        started: float,
        attempts: list[Attempt],
        *,
        stream: bool = False,
        error: str | None = None,
    ) -> float:
        latency = (time.perf_counter() - started) * 1000
        await self.usage.record(
            UsageRow(
                request_id=request_id,
                ts=time.time(),
                surface=surface,
                model=requested,
                target=target,
                connection_id=connection_id,
                status=status,
                prompt_tokens=usage["prompt_tokens"],
                completion_tokens=usage["completion_tokens"],
                latency_ms=round(latency, 3),
                stream=stream,
                error=error,
                attempts=[a.as_dict() for a in attempts],
            )
        )
        return latency

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
