"""quota-management: quota headroom, cooldowns and circuit of each provider's connections, and what
every budget has spent of its limit this period, read live from the router and the ledger.

Metadata may name `provider` (an id or alias) to report on that one alone; budgets are always all
listed, since they are not per provider.
"""

from __future__ import annotations

from omniroute_agent.a2a.skill import SkillRequest, SkillResult
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.insights import (
    BudgetStatus,
    ConnectionState,
    ProviderQuota,
    QuotaReport,
    find_provider,
    quota_report,
)
from omniroute_agent.errors import InvalidRequest, NotFound
from omniroute_agent.skills.report import circuit_text, reply, secs, share, text_option, usd, wants_prose


def _provider(gateway: Gateway, request: SkillRequest) -> str | None:
    name = text_option(request, "provider")
    if name is None:
        return None
    try:
        return find_provider(gateway.router, name).id
    except NotFound as exc:
        raise InvalidRequest(exc.message, param="provider") from None


def check(gateway: Gateway, request: SkillRequest) -> None:
    wants_prose(request)
    _provider(gateway, request)


async def run(gateway: Gateway, request: SkillRequest) -> SkillResult:
    report = quota_report(gateway, _provider(gateway, request))
    return await reply(gateway, request, render(report), report.model_dump(mode="json"))


def render(report: QuotaReport) -> str:
    count = len(report.providers)
    lines = [f"Quota: {count} provider{'' if count == 1 else 's'}, {len(report.budgets)} budget(s)"]
    for provider in report.providers:
        lines.extend(_provider_lines(provider))
    if report.budgets:
        lines.append("Budgets:")
        lines.extend(f"  {_budget(b)}" for b in report.budgets)
    else:
        lines.append("Budgets: none configured")
    return "\n".join(lines)


def _provider_lines(provider: ProviderQuota) -> list[str]:
    lines = [f"{provider.provider}: {circuit_text(provider.circuit)}"]
    if not provider.connections:
        lines.append("  no connections")
    lines.extend(f"  {_connection(c)}" for c in provider.connections)
    return lines


def _connection(conn: ConnectionState) -> str:
    name = f"{conn.connection} ({conn.label})" if conn.label else conn.connection
    if not conn.enabled:
        return f"{name}: disabled"
    parts = [f"cooling down {secs(conn.cooldown_s)}" if conn.cooldown_s > 0 else "ready"]
    parts.append("headroom unknown" if conn.headroom is None else f"headroom {share(conn.headroom)}")
    if conn.backoff_level:
        parts.append(f"backoff level {conn.backoff_level}")
    parts.extend(f"{model} cooling {secs(left)}" for model, left in sorted(conn.model_cooldowns.items()))
    return f"{name}: " + ", ".join(parts)


def _budget(budget: BudgetStatus) -> str:
    text = (
        f"{budget.id}: {usd(budget.spent_usd)} of {usd(budget.limit_usd)} ({share(budget.used)}), "
        f"{usd(budget.remaining_usd)} left"
    )
    if budget.exhausted:
        then = f"go to {budget.degrade_to}" if budget.action == "degrade" else "are blocked"
        text += f"; exhausted: requests {then}"
    return text
