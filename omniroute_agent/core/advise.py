"""Which combo, or model, suits a task: a ranking from live latency, error rates, prices, quota,
health and declared capabilities, with each candidate's score explained.

The task description is read (whole words, any case) for the capabilities it needs (`NEEDS`, added
to those the caller requires) and for what matters most (`EMPHASIS`: "cost" or "latency" doubles
that term's weight before the weights are scaled to sum 1; they start at the `auto` strategy's).

Candidates are the combos with at least one target declaring every needed capability; when no
combo has one (or none is configured), every single model declaring them all. A combo is measured
by its lead: the first target, in the order the next request would try them (`core.simulate`),
that would be tried and declares the needed capabilities. A model is its own lead.

    score = coverage * health * (w_latency * L + w_errors * (1 - error_rate) + w_cost * C + w_quota * Q)

    L           fastest lead p95 among the candidates / this lead's p95 (1: the fastest); 0.5 unmeasured
    C           cheapest blended price among the candidates / this lead's (1: the cheapest); 0.5 unpriced
    error_rate  the lead's failed share over its last calls (0 before any)
    Q           the lead's best known quota headroom (1 when unknown)
    health      the share of the lead's connections ready now; 0 when no capable target can be tried
    coverage    the share of the candidate's targets declaring the needed capabilities: falling back
                to one that does not would fail the task

Latency and price floors are the `auto` strategy's. Ties go to the name, alphabetically.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from omniroute_agent.core.capabilities import CAPABILITIES, Capability, has_all
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.insights import TargetStats, stats_of, target_stats
from omniroute_agent.core.pricing import blended_price
from omniroute_agent.core.resolve import Target, resolve
from omniroute_agent.core.router import Router
from omniroute_agent.core.simulate import ordered, target_plan
from omniroute_agent.core.strategies import AUTO_WEIGHTS, LATENCY_FLOOR_MS, NEUTRAL, PRICE_FLOOR
from omniroute_agent.errors import NotFound

Emphasis = Literal["cost", "latency"]


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


NEEDS: dict[Capability, re.Pattern[str]] = {
    "vision": _words(r"images?", r"photos?", r"pictures?", r"screenshots?", r"diagrams?", r"charts?", "ocr", "vision"),
    "tools": _words(r"tools?", r"tool calls?", r"function call(?:s|ing)?", r"api calls?", "agentic", r"agents?"),
    "reasoning": _words("reason", "reasoning", r"maths?", r"proofs?", "prove", "logic", r"puzzles?", "step by step"),
    "json": _words("json", "structured output", r"schemas?"),
    "long_context": _words(
        "long context",
        r"long documents?",
        r"(?:entire|whole) (?:repo|repository|codebase|book)",
        r"large files?",
        "hundreds of pages",
    ),
}
EMPHASIS: dict[Emphasis, re.Pattern[str]] = {
    "cost": _words("cheap", "cheapest", "cheaply", r"low[- ]cost", "inexpensive", "budget", "bulk", "batch"),
    "latency": _words("fast", "fastest", "quick", "quickly", r"low[- ]latency", r"real[- ]?time", "interactive"),
}


class Terms(BaseModel):
    latency: float = Field(description="L: fastest p95 / this p95")
    errors: float = Field(description="1 - error rate")
    cost: float = Field(description="C: cheapest price / this price")
    quota: float = Field(description="Q: quota headroom")


class Candidate(BaseModel):
    rank: int
    name: str
    kind: str = Field(description="'combo' or 'model'")
    score: float = Field(description="0..1, higher is better")
    lead: str | None = Field(description="the target whose numbers count; None when no capable one can be tried")
    p95_ms: float | None
    error_rate: float | None
    price_per_mtok: float | None = Field(description="blended USD per 1M tokens")
    quota_headroom: float | None
    health: float
    coverage: float
    capable_targets: list[str]
    terms: Terms
    explanation: str


class Advice(BaseModel):
    task: str
    required: list[Capability] = Field(description="capabilities asked for plus those read from the task")
    inferred: list[Capability] = Field(description="capabilities the task description implies")
    emphasis: list[Emphasis] = Field(description="what the task stresses: its weight is doubled")
    weights: dict[str, float]
    considered: str = Field(description="'combos', or 'models' when no combo fits")
    candidates: list[Candidate] = Field(description="best first")


@dataclass(frozen=True, slots=True)
class _Raw:
    name: str
    kind: str
    targets: Sequence[Target]
    capable: Sequence[Target]
    lead: Target | None
    stats: TargetStats | None
    price: float | None
    quota: float | None
    health: float


def read_task(task: str) -> tuple[list[Capability], list[Emphasis]]:
    """The capabilities and the emphasis a task description implies (the tables above)."""
    needs = [c for c, pattern in NEEDS.items() if pattern.search(task)]
    return needs, [e for e, pattern in EMPHASIS.items() if pattern.search(task)]


def weights_for(emphasis: Sequence[str]) -> dict[str, float]:
    raw = {k: w * (2.0 if k in emphasis else 1.0) for k, w in AUTO_WEIGHTS.items()}
    total = sum(raw.values())
    return {k: round(w / total, 4) for k, w in raw.items()}


def advise(gateway: Gateway, task: str, required: Sequence[Capability] = ()) -> Advice:
    inferred, emphasis = read_task(task)
    needs = [c for c in CAPABILITIES if c in required or c in inferred]
    router = gateway.router
    stats = target_stats(router)
    raws = [r for name in gateway.table.combos if (r := _combo(router, stats, name, needs)) is not None]
    considered = "combos"
    if not raws:
        considered = "models"
        models = [m["id"] for m in gateway.models() if m["kind"] == "model" and has_all(m["id"], needs)]
        raws = [_model(router, stats, name) for name in models]
    if not raws:
        wanted = ", ".join(needs) or "anything"
        raise NotFound(f"no configured combo or model declares {wanted}")
    weights = weights_for(emphasis)
    return Advice(
        task=task,
        required=needs,
        inferred=inferred,
        emphasis=emphasis,
        weights=weights,
        considered=considered,
        candidates=_rank(raws, weights, needs),
    )


def _combo(
    router: Router[Any], stats: Mapping[str, TargetStats], name: str, needs: Sequence[Capability]
) -> _Raw | None:
    route, _ = ordered(router, name)
    capable = [t for t in route.targets if has_all(t.label, needs)]
    if not capable:
        return None
    lead = next(
        (t for i, t in enumerate(route.targets, 1) if t in capable and target_plan(router, t, i)[0].would_try), None
    )
    return _measure(router, stats, name, "combo", route.targets, capable, lead)


def _model(router: Router[Any], stats: Mapping[str, TargetStats], name: str) -> _Raw:
    target = resolve(router.table, name).targets[0]
    lead = target if target_plan(router, target, 1)[0].would_try else None
    return _measure(router, stats, name, "model", [target], [target], lead)


def _measure(
    router: Router[Any],
    stats: Mapping[str, TargetStats],
    name: str,
    kind: str,
    targets: Sequence[Target],
    capable: Sequence[Target],
    lead: Target | None,
) -> _Raw:
    if lead is None:
        return _Raw(name, kind, targets, capable, None, None, None, None, 0.0)
    price = router.prices.lookup(lead.label)
    plan, _ = target_plan(router, lead, 1)
    return _Raw(
        name,
        kind,
        targets,
        capable,
        lead,
        stats_of(stats, lead.label),
        blended_price(price) if price else None,
        plan.quota_headroom,
        router.health(lead),
    )


def _p95(raw: _Raw) -> float | None:
    latency = raw.stats.latency_ms if raw.stats else None
    return latency.p95 if latency else None


def _error_rate(raw: _Raw) -> float | None:
    rate = raw.stats.success_rate if raw.stats else None
    return None if rate is None else round(1.0 - rate, 4)


def _rank(raws: Sequence[_Raw], weights: Mapping[str, float], needs: Sequence[Capability]) -> list[Candidate]:
    p95s = [p for r in raws if (p := _p95(r)) is not None]
    prices = [r.price for r in raws if r.price is not None]
    best_p95 = max(min(p95s, default=0.0), LATENCY_FLOOR_MS)
    best_price = max(min(prices, default=0.0), PRICE_FLOOR)
    scored: list[tuple[float, Candidate]] = []
    for raw in raws:
        p95, errors = _p95(raw), _error_rate(raw)
        terms = Terms(
            latency=round(NEUTRAL if p95 is None else best_p95 / max(p95, LATENCY_FLOOR_MS), 4),
            errors=round(1.0 - (errors or 0.0), 4),
            cost=round(NEUTRAL if raw.price is None else best_price / max(raw.price, PRICE_FLOOR), 4),
            quota=round(1.0 if raw.quota is None else raw.quota, 4),
        )
        coverage = len(raw.capable) / len(raw.targets)
        total = sum(weights[k] * v for k, v in terms.model_dump().items())
        score = round(coverage * raw.health * total, 4)
        candidate = Candidate(
            rank=0,
            name=raw.name,
            kind=raw.kind,
            score=score,
            lead=raw.lead.label if raw.lead else None,
            p95_ms=p95,
            error_rate=errors,
            price_per_mtok=None if raw.price is None else round(raw.price, 6),
            quota_headroom=raw.quota,
            health=round(raw.health, 4),
            coverage=round(coverage, 4),
            capable_targets=list(dict.fromkeys(t.label for t in raw.capable)),
            terms=terms,
            explanation=_explain(raw, terms, score, needs),
        )
        scored.append((score, candidate))
    scored.sort(key=lambda pair: (-pair[0], pair[1].name))
    return [c.model_copy(update={"rank": i}) for i, (_, c) in enumerate(scored, 1)]


def _explain(raw: _Raw, terms: Terms, score: float, needs: Sequence[Capability]) -> str:
    declared = f"{len(raw.capable)}/{len(raw.targets)} targets declare {', '.join(needs)}" if needs else ""
    if raw.lead is None:
        parts = ["no capable target can be tried now (circuit open, cooling down or no connection)", declared]
        return "; ".join(p for p in parts if p) + f" → score {score:.3f}"
    p95, errors = _p95(raw), _error_rate(raw)
    parts = [
        f"lead {raw.lead.label}",
        f"p95 {p95:.1f} ms (L {terms.latency:.2f})" if p95 is not None else "latency not measured yet (L 0.50)",
        f"error rate {errors:.1%}" if errors is not None else "no calls yet",
        f"${raw.price:.3f}/1M blended (C {terms.cost:.2f})" if raw.price is not None else "no price (C 0.50)",
        f"quota {terms.quota:.0%}" + (" (unknown)" if raw.quota is None else ""),
        f"health {raw.health:.2f}",
        declared,
    ]
    return "; ".join(p for p in parts if p) + f" → score {score:.3f}"
