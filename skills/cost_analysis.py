"""cost-analysis: requests, tokens and spend over a period, by provider, model and combo, from the
stored usage rows (core/insights.cost_report).

The period is metadata `period` (day, week, month: UTC calendar; session: since this process
started), else the newest user text of the task naming one ("what did I spend this week?"). With
neither, the skill asks which period (`InputRequired`) and reads it from the caller's answer.
"""

from __future__ import annotations

import re
from typing import get_args

from omniroute_agent.a2a.skill import InputRequired, SkillRequest, SkillResult
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.insights import CostReport, Period, UsageGroup, cost_report
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.skills.report import reply, text_option, usd, utc, wants_prose

PERIODS: dict[str, Period] = {p: p for p in get_args(Period)}
QUESTION = "Which period: day, week, month or session?"

# How a text names each period; the earliest mention in a text wins.
SAYS: dict[Period, re.Pattern[str]] = {
    "day": re.compile(r"\b(today|day|daily|24 ?h(ours)?)\b", re.I),
    "week": re.compile(r"\b(weeks?|weekly|7 days)\b", re.I),
    "month": re.compile(r"\b(months?|monthly|30 days)\b", re.I),
    "session": re.compile(r"\b(session|since (the )?(start|restart|launch|boot)|this process|uptime)\b", re.I),
}
NAMED: dict[str, str] = {"day": "today", "week": "this week", "month": "this month", "session": "this session"}


def period_in(text: str) -> Period | None:
    """The period a text names first, or None."""
    found = [(m.start(), p) for p, pattern in SAYS.items() if (m := pattern.search(text))]
    return min(found)[1] if found else None


def _period(request: SkillRequest) -> Period | None:
    given = text_option(request, "period")
    if given is not None:
        if given not in PERIODS:
            raise InvalidRequest(f"metadata 'period' is one of {', '.join(PERIODS)}, not {given!r}", param="period")
        return PERIODS[given]
    for text in (request.text, *reversed(request.history)):
        if (period := period_in(text)) is not None:
            return period
    return None


def check(gateway: Gateway, request: SkillRequest) -> None:
    wants_prose(request)
    _period(request)


async def run(gateway: Gateway, request: SkillRequest) -> SkillResult:
    period = _period(request)
    if period is None:
        raise InputRequired(QUESTION)
    report = await cost_report(gateway, period)
    return await reply(gateway, request, render(report), report.model_dump(mode="json"))


def render(report: CostReport) -> str:
    t = report.totals
    lines = [
        f"Spend {NAMED.get(report.period, report.period)} (since {utc(report.since)}): {usd(t.cost_usd)} over "
        f"{t.requests} request{'' if t.requests == 1 else 's'} ({t.succeeded} succeeded, {t.failed} failed); "
        f"{t.prompt_tokens} prompt and {t.completion_tokens} completion tokens"
    ]
    for title, groups, none in (
        ("provider", report.by_provider, "no target answered"),
        ("model", report.by_model, "no target answered"),
        ("combo", report.by_combo, "no combo"),
    ):
        if groups:
            lines.append(f"By {title}: " + "; ".join(_group(g, none) for g in _costliest(groups)))
    return "\n".join(lines)


def _costliest(groups: list[UsageGroup]) -> list[UsageGroup]:
    return sorted(groups, key=lambda g: (-g.cost_usd, -g.requests, g.key or ""))


def _group(group: UsageGroup, none: str) -> str:
    return f"{group.key or '(' + none + ')'} {usd(group.cost_usd)} ({group.requests} req)"
