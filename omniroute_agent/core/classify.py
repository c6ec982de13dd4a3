"""What an upstream failure means for routing, how long the provider asks us to wait, and quota headroom.

`classify(error)` puts an `UpstreamError` in one of six classes. The first rule that matches wins:

1. `transient`         status >= 500 (500, 502, 503, 504, 529 overloaded ...), 408, 409, and the
                       executor's own `upstream_unreachable` (502) / `upstream_timeout` (504).
2. `quota_exhausted`   402; or the body names a quota token (`insufficient_quota`, `billing_error`,
                       `billing_hard_limit_reached`, `insufficient_balance`); or a 4xx whose text says
                       a quota is used up: a 429 / RESOURCE_EXHAUSTED whose text names a daily window
                       ("per day", "PerDay" quota ids, "daily", RPD) or a zero limit ("limit: 0": the
                       free tier does not include the model); otherwise quota wording ("insufficient
                       credits/balance/funds", "credit balance is too low", "exceeded your current
                       quota", "quota exceeded", "billing", "usage limit" ...) unless the provider named
                       it a rate limit (`rate_limit_exceeded`, `rate_limit_error`) or the text names a
                       per-minute/second window. Gemini copies OpenAI's "exceeded your current quota,
                       please check your plan and billing details" onto its per-minute free-tier limit
                       (tests/wire/gemini/error-429.json, quota id `...PerMinute...-FreeTier`, retry in
                       28 s): that is a rate limit, so "free tier" alone does not make a quota.
3. `rate_limit`        any other 429 (Anthropic `rate_limit_error`, OpenAI `rate_limit_exceeded`,
                       Gemini RESOURCE_EXHAUSTED without the wording above).
4. `auth`              401 and 403 (Gemini's 400 `API_KEY_INVALID` too, by its reason), except a 401/403
                       that says this key has no access to the model (`model_not_found`, "access to
                       model"): that is `model_or_context`, so one model's refusal does not bench the key
                       for every model.
5. `model_or_context`  404 (the gateway built the URL: the model, or the endpoint, is not at this
                       provider) and 413 (size limits differ between providers); a body token that names
                       it (`context_length_exceeded`, `model_not_found`, `not_found_error`,
                       `request_too_large`, Gemini NOT_FOUND / FAILED_PRECONDITION); or a 4xx whose text
                       says the context window / max tokens is exceeded or the model does not exist, is
                       not supported, or does not support what was asked ("for this model", "does not
                       support ..."). These are errors another target may accept.
6. `bad_request`       any other 4xx: the caller's request is wrong everywhere; answered at once.

A status below 400 is an error event inside a stream that started 200: the body's token decides,
then the wording, else `transient`. Over-matching rule 5 costs one quick 400 per remaining target
(and the walk still answers 400 when every target said 400); under-matching stops a request that
another target would have served, so the wording is generous.

Each class maps to one `Decision` (`DECISIONS`):

    class             next_account next_target cooldown     base_s per_model breaker
    rate_limit        yes          yes         retry_after     1.0 yes       no
    quota_exhausted   yes          yes         long         3600.0 no        no
    auth              yes          yes         long          300.0 no        no
    transient         no           yes         backoff         1.0 no        yes
    model_or_context  no           yes         backoff        30.0 yes       no
    bad_request       no           no          none            -   no        no

* `next_account`: another connection of the same provider may serve this request; try it.
* `next_target`: when no connection of this target is left to try, go on to the route's next target.
  Both false: stop and answer the caller with this error.
* `cooldown`: how the failed connection (or connection+model) cools, through `Accounts.failed(...,
  base=base_cooldown_s, retry_after=wait_seconds(...), per_model=per_model)`, whose ladder is
  max(min(max(cap, base), base * 2**level), retry_after):
  `none`         no cooldown: do not call `failed` (the request was wrong, not the key);
  `backoff`      the ladder from base (1, 2, 4 ... s for 1.0), the provider's own wait as a floor;
  `retry_after`  the provider's own wait; the ladder from base when it gives none (the ladder
                 also floors a wait shorter than its current step);
  `long`         a flat max(base, the provider's own wait): base is above the ladder's cap, so a
                 quota cools an hour or until the reset the provider names, whichever is later.
* `base_cooldown_s`: the base of that cooldown (None for `none`).
* `per_model`: the cooldown is keyed by (connection, model), not the connection: providers rate-limit
  per model, and a missing model or a too-long context says nothing about the key's other models.
  Quota and auth are account-wide (billing, credits, the key itself).
* `count_for_breaker`: the failure says the provider itself is unwell: `Breaker.record_failure`.

`wait_seconds(error, now=...)` is the provider's own wait: the largest of `retry-after-ms` /
`Retry-After` (`parse_retry_after`), Gemini's `RetryInfo.retryDelay`, the error's `retry_after`,
and the reset of every exhausted limit window (OpenAI `x-ratelimit-reset-{requests,tokens}`, Go
durations like "6m0s"; Anthropic `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-
reset`, RFC 3339 times). A window is exhausted when its remaining count is 0; on a 429 where none is
at 0 (a request bigger than what is left), the window with the least remaining/limit counts, and
with no remaining counts at all, every reset does. The largest, because waiting less than any
exhausted window's reset earns another 429. With none of these, the text's "try again in 253ms" /
"retry in 28.2s". `now` is wall-clock seconds (`time.time()`): resets and HTTP dates are absolute.
Every result is a duration, so it can be added to a monotonic clock.

`quota_snapshot(headers, now=...)` reads the same limit/remaining/reset headers from any response,
successful ones included, for the per-connection quota view; `headroom(snapshot)` is the smallest
remaining/limit over the windows it knows (0..1), 1.0 when it knows none.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, TypedDict

from omniroute_agent.errors import UpstreamError
from omniroute_agent.providers.executor import finite_number, parse_retry_after

FailureClass = Literal["rate_limit", "quota_exhausted", "auth", "transient", "model_or_context", "bad_request"]
Cooldown = Literal["none", "backoff", "retry_after", "long"]
WindowKind = Literal["requests", "tokens", "input_tokens", "output_tokens"]


@dataclass(frozen=True, slots=True)
class Decision:
    next_account: bool
    next_target: bool
    cooldown: Cooldown
    base_cooldown_s: float | None
    per_model: bool
    count_for_breaker: bool


# fmt: off
DECISIONS: Mapping[FailureClass, Decision] = MappingProxyType({
    #                           account target cooldown         base    per_model breaker
    "rate_limit":       Decision(True,   True,  "retry_after",   1.0,    True,     False),
    "quota_exhausted":  Decision(True,   True,  "long",          3600.0, False,    False),
    "auth":             Decision(True,   True,  "long",          300.0,  False,    False),
    "transient":        Decision(False,  True,  "backoff",       1.0,    False,    True),
    "model_or_context": Decision(False,  True,  "backoff",       30.0,   True,     False),
    "bad_request":      Decision(False,  False, "none",          None,   False,    False),
})
# fmt: on


@dataclass(frozen=True, slots=True)
class Verdict:
    """One failure, judged: its class, what to do about it, and the provider's own wait."""

    failure: FailureClass
    decision: Decision
    wait_s: float | None


def assess(error: UpstreamError, *, now: float) -> Verdict:
    failure = classify(error)
    return Verdict(failure, DECISIONS[failure], wait_seconds(error, now=now))


# ---- reading error bodies -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """An error body of any of the five formats, read leniently."""

    tokens: tuple[str, ...]  # ErrorInfo reasons, error.code, error.type, Gemini error.status, in that order
    text: str  # lower-cased message, plus Gemini QuotaFailure quota ids and metrics
    retry_delay_s: float | None  # google.rpc.RetryInfo.retryDelay


def read_error_body(body: bytes) -> ErrorBody:
    raw = body.decode("utf-8", "replace")
    try:
        doc: Any = json.loads(raw) if raw.strip() else None
    except ValueError:
        doc = None
    if isinstance(doc, list) and len(doc) == 1:
        doc = doc[0]  # Gemini's streamGenerateContent without alt=sse wraps the error in an array
    if not isinstance(doc, dict):
        return ErrorBody((), raw[:4000].lower(), None)
    err = doc.get("error", doc)  # Responses' flat stream `error` event carries code/message at the top
    if isinstance(err, str):  # Ollama: {"error": "model 'x' not found"}
        return ErrorBody(_strings(doc, "code", "type"), err.lower(), None)
    if not isinstance(err, dict):
        err = doc
    details = [d for d in err.get("details") or () if isinstance(d, dict)]
    reasons = tuple(d["reason"] for d in details if isinstance(d.get("reason"), str))
    quota_ids = [
        str(v.get(key, ""))
        for d in details
        for v in d.get("violations") or ()
        if isinstance(v, dict)
        for key in ("quotaId", "quotaMetric")
    ]
    delays = [parse_duration(d["retryDelay"]) for d in details if isinstance(d.get("retryDelay"), str)]
    message = err.get("message")
    text = " ".join([message if isinstance(message, str) else "", *quota_ids]).lower()
    return ErrorBody(
        reasons + _strings(err, "code", "type", "status"),
        text,
        max((d for d in delays if d is not None), default=None),
    )


def _strings(doc: dict[str, Any], *keys: str) -> tuple[str, ...]:
    return tuple(doc[k] for k in keys if isinstance(doc.get(k), str))


# ---- classification -------------------------------------------------------------------------------

_TRANSPORT_CODES = frozenset({"upstream_unreachable", "upstream_timeout"})

# What a provider's own error code, type or status names (OpenAI code/type, Anthropic type, Gemini status
# and ErrorInfo reason). Quota tokens are read by rule 2 before this table.
_NAMED: Mapping[str, FailureClass] = MappingProxyType(
    {
        "rate_limit_exceeded": "rate_limit",
        "rate_limit_error": "rate_limit",
        "RESOURCE_EXHAUSTED": "rate_limit",
        "invalid_api_key": "auth",
        "authentication_error": "auth",
        "permission_error": "auth",
        "API_KEY_INVALID": "auth",
        "UNAUTHENTICATED": "auth",
        "PERMISSION_DENIED": "auth",
        "server_error": "transient",
        "api_error": "transient",
        "overloaded_error": "transient",
        "timeout_error": "transient",
        "INTERNAL": "transient",
        "UNAVAILABLE": "transient",
        "DEADLINE_EXCEEDED": "transient",
        "context_length_exceeded": "model_or_context",
        "model_not_found": "model_or_context",
        "not_found_error": "model_or_context",
        "request_too_large": "model_or_context",
        "NOT_FOUND": "model_or_context",
        "FAILED_PRECONDITION": "model_or_context",  # Gemini: e.g. free tier not offered where we run
    }
)
_QUOTA_TOKENS = frozenset({"insufficient_quota", "billing_error", "billing_hard_limit_reached", "insufficient_balance"})
_RATE_LIMIT_TOKENS = frozenset({"rate_limit_exceeded", "rate_limit_error"})

_QUOTA_WORDS = re.compile(
    r"insufficient[ _](?:quota|credits?|balance|funds)|credit balance is too low|out of credits?"
    r"|exceeded your (?:current )?quota|quota (?:has been )?(?:exceeded|exhausted)|exhausted (?:your )?quota"
    r"|billing|payment required|usage limit|spend(?:ing)? limit"
)
_DAILY = re.compile(r"per[ _-]?day|daily|\brpd\b")
_ZERO_LIMIT = re.compile(r"\blimit: 0\b")
_WINDOW = re.compile(r"per[ _-]?(?:minute|second)|per min\b|\b(?:rpm|tpm|itpm|otpm)\b")
_NO_MODEL_ACCESS = re.compile(r"access to (?:the |this )?model")
_MODEL_OR_CONTEXT = re.compile(
    r"context[ _](?:length|window|limit)|maximum context|prompt is too long|too many (?:input )?tokens"
    r"|exceeds? (?:the )?(?:maximum|max|context|limit)|maximum (?:allowed )?number of (?:\w+ )?tokens"
    r"|max_tokens[^.]{0,40}(?:>|exceed|too large|maximum)"
    r"|\bmodel\b[^.]{0,80}(?:not found|does not exist|not supported|unsupported|not available)"
    r"|(?:does not|doesn't|do not) (?:support|have access)|(?:for|with|by) this model"
    r"|is not enabled for models/|no such model|unknown model|invalid model"
)


def classify(error: UpstreamError) -> FailureClass:
    status = error.status
    if error.code in _TRANSPORT_CODES or status >= 500 or status in (408, 409):
        return "transient"
    body = read_error_body(error.body)
    if status == 402 or _says_quota(status, body):
        return "quota_exhausted"
    named = next((_NAMED[t] for t in body.tokens if t in _NAMED), None)
    if status == 429:
        return "rate_limit"
    if status in (401, 403):
        no_model = named == "model_or_context" or _NO_MODEL_ACCESS.search(body.text)
        return "model_or_context" if no_model else "auth"
    if status in (404, 413):
        return "model_or_context"
    if named is not None:
        return named
    if _MODEL_OR_CONTEXT.search(body.text):
        return "model_or_context"
    return "bad_request" if status >= 400 else "transient"


def _says_quota(status: int, body: ErrorBody) -> bool:
    if any(t in _QUOTA_TOKENS for t in body.tokens):
        return True
    limited = status == 429 or "RESOURCE_EXHAUSTED" in body.tokens
    if limited and (_DAILY.search(body.text) or _ZERO_LIMIT.search(body.text)):
        return True
    if any(t in _RATE_LIMIT_TOKENS for t in body.tokens):
        return False
    return bool(_QUOTA_WORDS.search(body.text)) and not _WINDOW.search(body.text)


# ---- waits and limit windows ----------------------------------------------------------------------

_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_TRY_AGAIN = re.compile(r"(?:try again|retry) in (\d[\w.]*)")

# (kind, OpenAI header infix, Anthropic header infix)
_WINDOWS: tuple[tuple[WindowKind, str | None, str], ...] = (
    ("requests", "requests", "requests"),
    ("tokens", "tokens", "tokens"),
    ("input_tokens", None, "input-tokens"),
    ("output_tokens", None, "output-tokens"),
)


def parse_duration(value: str) -> float | None:
    """Go-style durations, as OpenAI sends them ("12ms", "6m0s", "1h2m3.5s"); a bare number is seconds."""
    text = value.strip()
    if (number := finite_number(text)) is not None:
        return max(0.0, number)
    if not _DURATION.fullmatch(text):
        return None
    return sum(float(n) * _UNIT_S[unit] for n, unit in _DURATION_PART.findall(text))


def parse_reset(value: str, *, now: float) -> float | None:
    """Seconds until a reset given as a duration or as an RFC 3339 time (Anthropic), from wall-clock `now`."""
    if (seconds := parse_duration(value)) is not None:
        return seconds
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


class Window(TypedDict):
    limit: int | None
    remaining: int | None
    reset_s: float | None  # seconds from `now`
    reset_at: float | None  # wall clock


class QuotaSnapshot(TypedDict, total=False):
    requests: Window
    tokens: Window
    input_tokens: Window
    output_tokens: Window


def quota_snapshot(headers: Mapping[str, str], *, now: float) -> QuotaSnapshot | None:
    """The limit windows a response's (lower-cased) headers describe; None when they describe none."""
    if not any("ratelimit" in name for name in headers):
        return None  # most answers: one scan instead of two dozen lookups
    snapshot: QuotaSnapshot = {}
    for kind, openai, anthropic in _WINDOWS:
        names = [f"anthropic-ratelimit-{anthropic}-{{}}"]
        if openai is not None:
            names.append(f"x-ratelimit-{{}}-{openai}")
        for name in names:
            limit = _count(headers.get(name.format("limit")))
            remaining = _count(headers.get(name.format("remaining")))
            reset_value = headers.get(name.format("reset"))
            reset = parse_reset(reset_value, now=now) if reset_value else None
            if limit is not None or remaining is not None or reset is not None:
                reset_at = None if reset is None else now + reset
                snapshot[kind] = Window(limit=limit, remaining=remaining, reset_s=reset, reset_at=reset_at)
                break
    return snapshot or None


def headroom(snapshot: QuotaSnapshot | None) -> float:
    """The smallest remaining/limit over the windows known, in 0..1; 1.0 when none is known."""
    ratios = [r for w in _windows(snapshot) if (r := _ratio(w)) is not None]
    return min(1.0, max(0.0, min(ratios, default=1.0)))


def wait_seconds(error: UpstreamError, *, now: float) -> float | None:
    """The provider's own wait for this failure in seconds (module docstring); None when it gave none."""
    body = read_error_body(error.body)
    waits = [parse_retry_after(error.headers, now), body.retry_delay_s, error.retry_after]
    waits += _exhausted_resets(quota_snapshot(error.headers, now=now), limited=error.status == 429)
    found = [w for w in waits if w is not None]
    if not found and (m := _TRY_AGAIN.search(body.text)):
        found = [w for w in [parse_duration(m.group(1).rstrip("."))] if w is not None]
    return max(found, default=None)


def _exhausted_resets(snapshot: QuotaSnapshot | None, *, limited: bool) -> list[float]:
    """Resets of the windows at 0; on a 429 with none at 0, of the tightest one (or all, uncounted)."""
    resets = [(reset, _ratio(w)) for w in _windows(snapshot) if (reset := w["reset_s"]) is not None]
    exhausted = [reset for reset, ratio in resets if ratio is not None and ratio <= 0]
    if exhausted or not limited:
        return exhausted
    counted = [(ratio, reset) for reset, ratio in resets if ratio is not None]
    return [min(counted)[1]] if counted else [reset for reset, _ in resets]


def _windows(snapshot: QuotaSnapshot | None) -> list[Window]:
    if not snapshot:
        return []
    found = [snapshot.get("requests"), snapshot.get("tokens")]
    found += [snapshot.get("input_tokens"), snapshot.get("output_tokens")]
    return [w for w in found if w is not None]


def _ratio(window: Window) -> float | None:
    remaining, limit = window["remaining"], window["limit"]
    if remaining is None:
        return None
    if remaining <= 0:
        return 0.0
    return remaining / limit if limit else None


def _count(value: str | None) -> int | None:
    number = finite_number(value)
    return None if number is None else int(number)
