"""provider-discovery: the configured providers with their wire format, models (and the capabilities
declared for each, core/capabilities.py), connections enabled of total, and health right now.

A capability filter keeps only the models declaring it (and the providers serving one): metadata
`capability` (one name or a list, all required), else the capabilities the text names
("which providers support vision?").

A provider's health:

    down        its circuit is open, it has no enabled connection (where a key is needed), or every
                enabled connection is cooling down
    degraded    its circuit is half-open, or some enabled connection is cooling down
    ok          otherwise
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from omniroute_agent.a2a.skill import SkillRequest, SkillResult
from omniroute_agent.core.capabilities import CAPABILITIES, Capability, capabilities_of
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.insights import CircuitInfo, provider_metrics
from omniroute_agent.core.table import Provider
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.skills.report import circuit_text, reply, share, wants_prose

Status = Literal["ok", "degraded", "down"]

# What a question says to ask for each capability.
SAYS: dict[Capability, re.Pattern[str]] = {
    "vision": re.compile(r"\b(vision|images?|pictures?|photos?|visual|multimodal)\b", re.I),
    "tools": re.compile(r"\b(tools?|tool[- ]calling|function[- ]calling|functions)\b", re.I),
    "reasoning": re.compile(r"\b(reasoning|thinking|reasoners?)\b", re.I),
    "json": re.compile(r"\b(json|structured output)\b", re.I),
    "long_context": re.compile(r"\b(long[- _]context|large context|context windows?)\b", re.I),
}


class ModelInfo(BaseModel):
    id: str = Field(description="provider/model, the string to route to")
    capabilities: list[Capability]


class Connections(BaseModel):
    enabled: int
    total: int
    cooling_down: int = Field(description="enabled connections in cooldown now")


class Health(BaseModel):
    status: Status
    reason: str | None = Field(description="why the provider is not ok")
    circuit: CircuitInfo
    requests: int = Field(description="calls since the process started")
    failed: int
    error_rate: float | None


class ProviderInfo(BaseModel):
    id: str
    format: str
    aliases: list[str]
    models: list[ModelInfo]
    connections: Connections
    health: Health


class Discovery(BaseModel):
    capabilities: list[Capability] = Field(description="the filter: models declaring all of these; [] for none")
    providers: list[ProviderInfo]


def wanted(request: SkillRequest) -> list[Capability]:
    """The capability filter: metadata `capability`, else what the text names."""
    given = request.metadata.get("capability")
    if given is None:
        return [c for c in CAPABILITIES if SAYS[c].search(request.history_text)]
    names = [given] if isinstance(given, str) else given
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidRequest("metadata 'capability' must be a capability name or a list of them")
    unknown = [n for n in names if n not in CAPABILITIES]
    if unknown:
        raise InvalidRequest(f"unknown capability {unknown[0]!r} (one of {', '.join(CAPABILITIES)})")
    return [c for c in CAPABILITIES if c in names]


def check(gateway: Gateway, request: SkillRequest) -> None:
    wants_prose(request)
    wanted(request)


async def run(gateway: Gateway, request: SkillRequest) -> SkillResult:
    report = discover(gateway, wanted(request))
    return await reply(gateway, request, render(report), report.model_dump(mode="json"))


def discover(gateway: Gateway, required: list[Capability]) -> Discovery:
    providers: list[ProviderInfo] = []
    for provider in gateway.table.providers.values():
        models = [ModelInfo(id=f"{provider.id}/{m}", capabilities=list(capabilities_of(m))) for m in provider.models]
        models = [m for m in models if all(c in m.capabilities for c in required)]
        if required and not models:
            continue
        providers.append(_info(gateway, provider, models))
    return Discovery(capabilities=required, providers=providers)


def _info(gateway: Gateway, provider: Provider, models: list[ModelInfo]) -> ProviderInfo:
    metrics = provider_metrics(gateway, provider.id)
    enabled = [c for c in metrics.connections if c.enabled]
    cooling = sum(1 for c in enabled if c.cooldown_s > 0)
    status, reason = _status(metrics.circuit, len(enabled), cooling, provider.key_required)
    return ProviderInfo(
        id=provider.id,
        format=provider.format,
        aliases=list(provider.aliases),
        models=models,
        connections=Connections(enabled=len(enabled), total=len(metrics.connections), cooling_down=cooling),
        health=Health(
            status=status,
            reason=reason,
            circuit=metrics.circuit,
            requests=metrics.requests,
            failed=metrics.failed,
            error_rate=metrics.error_rate,
        ),
    )


def _status(circuit: CircuitInfo, enabled: int, cooling: int, key_required: bool) -> tuple[Status, str | None]:
    if circuit.state == "open":
        return "down", "circuit open"
    if enabled == 0 and key_required:
        return "down", "no enabled connection"
    if enabled and cooling == enabled:
        return "down", "every connection cooling down"
    if circuit.state == "half-open":
        return "degraded", "circuit half-open"
    if cooling:
        return "degraded", f"{cooling} of {enabled} connections cooling down"
    return "ok", None


def render(report: Discovery) -> str:
    count = len(report.providers)
    head = f"{count} provider{'' if count == 1 else 's'}"
    if report.capabilities:
        head += f" with models declaring {' and '.join(report.capabilities)}"
    lines = [head]
    for p in report.providers:
        health = p.health
        status = health.status if health.reason is None else f"{health.status} ({health.reason})"
        usage = f"{health.requests} requests"
        if health.error_rate is not None:
            usage += f", {share(health.error_rate)} failed"
        lines.append(
            f"{p.id} [{p.format}]: {status}; {p.connections.enabled}/{p.connections.total} connections enabled; "
            f"{circuit_text(health.circuit)}; {usage}"
        )
        for m in p.models:
            lines.append(f"  {m.id}: {', '.join(m.capabilities) or 'no declared capabilities'}")
    return "\n".join(lines)
