"""health-report: the gateway's health now: store, uptime, each provider's circuit, connections and
cooldowns, and per target the calls, error rate and latency percentiles measured by the router.

The header numbers are `Gateway.health()` (what /api/health answers); circuits come from the
breaker and target numbers from the router's metrics (what /api/metrics reports).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from omniroute_agent.a2a.skill import SkillRequest, SkillResult
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.insights import CircuitInfo, Latency, TargetStats, circuit, target_stats
from omniroute_agent.skills.report import circuit_text, duration, ms, reply, secs, share, wants_prose


class ProviderHealth(BaseModel):
    id: str
    format: str
    connections: int
    enabled: int
    cooling_down: int
    circuit: CircuitInfo
    cooldowns: dict[str, float] = Field(description="connection id → seconds of cooldown left")


class TargetHealth(BaseModel):
    target: str = Field(description="provider/model")
    requests: int = Field(description="calls since the process started")
    failed: int
    error_rate: float | None = Field(description="failed / requests; None before any call")
    latency_ms: Latency | None = Field(description="percentiles of the last successful calls kept")
    recent_requests: int = Field(description="calls in the last 5 minutes")
    recent_error_rate: float


class HealthReport(BaseModel):
    status: str = Field(description="'ok', or 'degraded' when the store does not answer")
    version: str
    store: str
    uptime_s: float
    combos: int
    providers: list[ProviderHealth]
    targets: list[TargetHealth]


def check(gateway: Gateway, request: SkillRequest) -> None:
    wants_prose(request)


async def run(gateway: Gateway, request: SkillRequest) -> SkillResult:
    report = await health_report(gateway)
    return await reply(gateway, request, render(report), report.model_dump(mode="json"))


async def health_report(gateway: Gateway) -> HealthReport:
    health = await gateway.health()
    cooling: dict[str, float] = health["cooldowns"]
    providers = [
        ProviderHealth(
            id=p["id"],
            format=p["format"],
            connections=p["connections"],
            enabled=p["enabled"],
            cooling_down=p["cooling_down"],
            circuit=circuit(gateway.router, p["id"]),
            cooldowns={c.id: cooling[c.id] for c in gateway.table.providers[p["id"]].connections if c.id in cooling},
        )
        for p in health["providers"]
    ]
    return HealthReport(
        status=health["status"],
        version=health["version"],
        store=health["store"],
        uptime_s=health["uptime_s"],
        combos=health["combos"],
        providers=providers,
        targets=[_target(s) for s in target_stats(gateway.router).values()],
    )


def _target(stats: TargetStats) -> TargetHealth:
    return TargetHealth(
        target=stats.target,
        requests=stats.requests,
        failed=stats.failed,
        error_rate=round(stats.failed / stats.requests, 4) if stats.requests else None,
        latency_ms=stats.latency_ms,
        recent_requests=stats.recent_requests,
        recent_error_rate=stats.recent_error_rate,
    )


def render(report: HealthReport) -> str:
    lines = [
        f"Gateway {report.status} (v{report.version}): store {report.store}, up {duration(report.uptime_s)}, "
        f"{len(report.providers)} provider(s), {report.combos} combo(s)"
    ]
    shown: set[str] = set()
    for p in report.providers:
        line = f"{p.id} [{p.format}]: {circuit_text(p.circuit)}; {p.enabled}/{p.connections} connections enabled"
        if p.cooldowns:
            line += "; cooling down: " + ", ".join(f"{c} {secs(s)}" for c, s in p.cooldowns.items())
        lines.append(line)
        own = [t for t in report.targets if t.target.partition("/")[0] == p.id]
        lines.extend(_target_line(t) for t in own)
        shown.update(t.target for t in own)
    lines.extend(_target_line(t) for t in report.targets if t.target not in shown)
    if not report.targets:
        lines.append("No calls yet.")
    return "\n".join(lines)


def _target_line(t: TargetHealth) -> str:
    line = f"  {t.target}: {t.requests} calls, {t.failed} failed"
    if t.error_rate is not None:
        line += f" ({share(t.error_rate)})"
    if t.latency_ms is not None:
        line += f"; p50 {ms(t.latency_ms.p50)}, p95 {ms(t.latency_ms.p95)}"
    return line + f"; last 5 min: {t.recent_requests} calls, {share(t.recent_error_rate)} failed"
