"""The Gateway: the one entry point every surface calls (`complete`, `stream`, `models`, `health`).

Around the fallback walk (`core.router`) it keeps what a request owes and is owed: budgets
checked before routing (block, or degrade to a cheaper model or combo), an `Idempotency-Key`
answered once, identical temperature-0 requests sharing one upstream call, the cost of each
answer from the pricing table, and one usage row per request with its whole attempt trace.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from omniroute_agent import __version__, json_codec
from omniroute_agent.core.budget import Budget, Ledger, check, scopes
from omniroute_agent.core.classify import headroom, quota_snapshot
from omniroute_agent.core.dedupe import Idempotency, SingleFlight, fingerprint
from omniroute_agent.core.pricing import cost
from omniroute_agent.core.replay import ReplayCache
from omniroute_agent.core.resolve import Target
from omniroute_agent.core.router import Picked, Router
from omniroute_agent.core.streams import ChatStream, StreamPlan, stream_context
from omniroute_agent.core.table import Provider, RoutingTable
from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.errors import Attempt, GatewayError, InvalidRequest, UpstreamError
from omniroute_agent.formats import Format
from omniroute_agent.providers.catalog import quirks_for
from omniroute_agent.providers.executor import Executor, UpstreamStream, build_request
from omniroute_agent.store.base import ConnectionRow, Store, UsageRow
from omniroute_agent.translate.framing import Framing
from omniroute_agent.translate.hub import ChatRequest, ChatResponse, Usage, empty_usage, read_usage
from omniroute_agent.translate.registry import CODECS, passthrough_body


class BudgetExceeded(GatewayError):
    """A budget said block. 429 with its own code, as providers answer an exhausted quota."""

    status = 429
    code = "budget_exceeded"
    type = "insufficient_quota"


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
    raw_body: bytes | None = None  # the upstream's own body ...
    raw_format: Format | None = None  # ... in this format
    cost_usd: float = 0.0


@dataclass(slots=True)
class _Answer:
    hub: ChatResponse
    body: bytes
    format: Format


@dataclass(slots=True)
class Call:
    """One request through the core: who asked for what, when, and every attempt made for it."""

    request_id: str
    surface: str
    requested: str
    stream: bool
    api_key_id: str | None = None
    combo: str | None = None
    note: str | None = None  # e.g. "degraded from 'stack' by budget combo:stack/day"
    started: float = field(default_factory=time.perf_counter)
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def latency_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000

    def usage_row(
        self,
        status: int,
        *,
        picked: Picked | None = None,
        usage: Usage | None = None,
        error: str | None = None,
        cost_usd: float = 0.0,
    ) -> UsageRow:
        usage = usage or empty_usage()
        details_in = usage.get("prompt_tokens_details") or {}
        details_out = usage.get("completion_tokens_details") or {}
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
            error=error if error or not self.note else self.note,
            attempts=[a.as_dict() for a in self.attempts],
            cost_usd=round(cost_usd, 8),
            combo=self.combo,
            api_key_id=self.api_key_id,
            cached_tokens=int(details_in.get("cached_tokens") or 0),
            reasoning_tokens=int(details_out.get("reasoning_tokens") or 0),
        )


@dataclass(slots=True)
class Gateway:
    table: RoutingTable
    executor: Executor
    store: Store
    usage: UsageRecorder
    router: Router[Any] = field(default_factory=lambda: Router(RoutingTable()))
    budgets: list[Budget] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)
    replay: ReplayCache = field(default_factory=ReplayCache)
    idempotency: Idempotency[Completion] = field(default_factory=Idempotency)
    singleflight: SingleFlight[Completion] = field(default_factory=SingleFlight)
    started_at: float = field(default_factory=time.time)

    async def complete(
        self,
        request: ChatRequest,
        *,
        request_id: str,
        surface: str,
        client: ClientBody | None = None,
        api_key_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Completion:
        call = self._begin(request, request_id, surface, stream=False, api_key_id=api_key_id)
        request = {**request, "model": call.requested, "stream": False}
        if not idempotency_key and request.get("temperature") != 0:
            return await self._complete(call, request, client)
        body_print = fingerprint(request, client.format if client else None, api_key_id)
        if idempotency_key:
            done, replayed = await self.idempotency.run(
                idempotency_key, body_print, lambda: self._complete(call, request, client)
            )
        else:
            done, replayed = await self.singleflight.run(body_print, lambda: self._complete(call, request, client))
        if replayed:
            # The answer came from another request's upstream call: this one costs nothing more.
            how = "same idempotency key" if idempotency_key else "identical request in flight"
            call.note = f"answer shared with an earlier request ({how})"
            await self.usage.record(call.usage_row(200, error=None))
        return done

    async def _complete(self, call: Call, request: ChatRequest, client: ClientBody | None) -> Completion:
        async def send(target: Target, provider: Provider, conn: ConnectionRow) -> _Answer:
            body = self._upstream_body(request, client, target, provider, stream=False)
            req = build_request(provider.format, provider.base_url, target.model, conn.secret, body, stream=False)
            resp = await self.executor.send(req)
            self._note_quota(conn, resp.headers)
            try:
                raw = json_codec.loads(resp.body)
            except ValueError:
                raise UpstreamError("upstream answered invalid JSON", status=502) from None
            if not isinstance(raw, dict):
                raise UpstreamError("upstream answered JSON that is not an object", status=502)
            return _Answer(CODECS[provider.format].response_to_hub(raw), resp.body, provider.format)

        answer, picked = await self._walk(call, send)
        self.replay.remember(answer.hub)
        usage = read_usage(answer.hub.get("usage"))
        usd = self._charge(call, picked, usage)
        await self.usage.record(call.usage_row(200, picked=picked, usage=usage, cost_usd=usd))
        return Completion(
            answer.hub,
            call.requested,
            picked.target.label,
            picked.connection.id,
            call.attempts,
            usage,
            call.latency_ms,
            answer.body,
            answer.format,
            usd,
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
        api_key_id: str | None = None,
    ) -> ChatStream:
        """Falls back between targets until one answers and sends its first bytes; from then on
        the stream is the client's."""
        call = self._begin(request, request_id, surface, stream=True, api_key_id=api_key_id)
        request = {**request, "model": call.requested, "stream": True}

        async def open_(target: Target, provider: Provider, conn: ConnectionRow) -> UpstreamStream:
            body = self._upstream_body(request, client, target, provider, stream=True)
            req = build_request(provider.format, provider.base_url, target.model, conn.secret, body, stream=True)
            upstream = await self.executor.open_stream(req)
            self._note_quota(conn, upstream.headers)
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
            usd = self._charge(call, picked, usage)
            return call.usage_row(status, picked=picked, usage=usage, error=error, cost_usd=usd)

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

    def _begin(
        self, request: ChatRequest, request_id: str, surface: str, *, stream: bool, api_key_id: str | None
    ) -> Call:
        requested = str(request.get("model") or self.table.default_model or "").strip()
        if not requested:
            raise InvalidRequest("name a model: none was given and no default_model is configured", param="model")
        call = Call(
            request_id,
            surface,
            requested,
            stream,
            api_key_id,
            combo=requested if requested in self.table.combos else None,
        )
        if self.budgets:
            verdict = check(self.budgets, self.ledger.spent, key_id=api_key_id, combo=call.combo, now=time.time())
            if verdict.decision == "block":
                raise BudgetExceeded(verdict.message)
            if verdict.decision == "degrade" and verdict.degrade_to:
                call.note = verdict.message
                call.requested = verdict.degrade_to
                call.combo = verdict.degrade_to if verdict.degrade_to in self.table.combos else None
        return call

    async def _walk(self, call: Call, attempt: Any) -> Any:
        """The router's walk; every failure that ends it is recorded (with its attempts) first."""
        try:
            return await self.router.walk(call.requested, call.attempts, attempt)
        except GatewayError as exc:
            await self.usage.record(call.usage_row(exc.status, error=exc.message))
            raise

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
            body = CODECS[provider.format].request_from_hub(self.replay.restore(request), target.model, quirks)
        return json_codec.dumps(body)

    def _note_quota(self, conn: ConnectionRow, headers: Any) -> None:
        if snapshot := quota_snapshot(headers, now=time.time()):
            self.router.accounts.set_headroom(conn.id, headroom(snapshot))

    def _charge(self, call: Call, picked: Picked, usage: Usage) -> float:
        """The answer's cost from the pricing table (0 when the model has no price), booked against
        the request's budgets."""
        price = self.router.prices.lookup(picked.target.label)
        usd = cost(price, usage) if price else 0.0
        if usd:
            self.ledger.add(scopes(key_id=call.api_key_id, combo=call.combo), usd, time.time())
        return usd

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
        router = self.router
        cooling = router.accounts.cooling()
        providers = [
            {
                "id": p.id,
                "format": p.format,
                "connections": len(p.connections),
                "enabled": len(p.enabled_connections),
                "cooling_down": sum(1 for c in p.connections if c.id in cooling),
                "circuit": router.breaker.state(p.id),
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
