"""core/classify.py: failure classes over every wire error fixture and hand-written bodies, the
decision table, the provider's own wait (durations, RFC 3339 resets, RetryInfo), quota snapshots."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import pytest

from omniroute_agent.core.classify import (
    DECISIONS,
    Decision,
    FailureClass,
    assess,
    classify,
    headroom,
    parse_duration,
    parse_reset,
    quota_snapshot,
    read_error_body,
    wait_seconds,
)
from omniroute_agent.errors import UpstreamError
from omniroute_agent.providers.executor import _upstream_error

WIRE = Path(__file__).resolve().parents[2] / "wire"
NOW = datetime(2025, 11, 20, 15, 7, 0, tzinfo=UTC).timestamp()  # the Anthropic 429 fixture's minute


def fixture(name: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of `tests/wire/<name>.meta.json` and its body. A stream fixture's body
    is its error event's payload (the stream started 200)."""
    meta = json.loads((WIRE / f"{name}.meta.json").read_text())
    plain = WIRE / f"{name}.json"
    if plain.exists():
        return meta["status"], meta["headers"], plain.read_bytes()
    (stream,) = [p for p in (WIRE / name).parent.glob(f"{Path(name).name}.*") if p.suffix in (".sse", ".ndjson")]
    payloads = [json.loads(line.removeprefix("data:")) for line in stream.read_text().splitlines() if "{" in line]
    (event,) = [p for p in payloads if p.get("type", "error" if "error" in p else None) == "error"]
    return meta["status"], meta["headers"], json.dumps(event).encode()


def error(status: int, body: Any = b"", *, code: str = "upstream_error", **headers: str) -> UpstreamError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    lowered = {k.replace("_", "-"): v for k, v in headers.items()}
    return UpstreamError(f"upstream answered {status}", status=status, body=raw, code=code, headers=lowered)


def from_fixture(name: str, **overrides: str | None) -> UpstreamError:
    status, headers, body = fixture(name)
    for key, value in overrides.items():
        headers.pop(key.replace("_", "-"), None)
        if value is not None:
            headers[key.replace("_", "-")] = value
    return UpstreamError("x", status=status, body=body, headers=headers)


# Every error fixture in tests/wire, with the class it must get.
FIXTURES: dict[str, FailureClass] = {
    "anthropic/error-400": "model_or_context",  # max_tokens above this model's output maximum
    "anthropic/error-400-temperature-deprecated": "model_or_context",  # "... for this model"
    "anthropic/error-401": "auth",
    "anthropic/error-429": "rate_limit",
    "anthropic/error-500": "transient",
    "anthropic/error-529": "transient",
    "anthropic/error-stream": "transient",  # overloaded_error mid-stream
    "gemini/error-400": "bad_request",  # contents is not specified
    "gemini/error-400-invalid-api-key": "auth",
    "gemini/error-401": "auth",
    "gemini/error-403": "auth",
    "gemini/error-429": "rate_limit",  # "exceeded your current quota", but a per-minute free-tier quota id
    "gemini/error-429.stream": "rate_limit",  # array-wrapped "Resource has been exhausted (e.g. check quota)"
    "gemini/error-500": "transient",
    "gemini/error-503": "transient",
    "ollama/error-400": "model_or_context",  # "llama3.2" does not support thinking
    "ollama/error-401": "auth",
    "ollama/error-404": "model_or_context",
    "ollama/error-500": "transient",
    "ollama/error-stream": "transient",
    "openai-chat/error-400": "bad_request",
    "openai-chat/error-401": "auth",
    "openai-chat/error-429": "rate_limit",
    "openai-chat/error-500": "transient",
    "openai-chat/error-stream": "transient",
    "openai-responses/error-400": "bad_request",
    "openai-responses/error-401": "auth",
    "openai-responses/error-429": "rate_limit",
    "openai-responses/error-500": "transient",
    "openai-responses/error-stream": "transient",  # the documented flat event, code server_error
    "openai-responses/error-stream-observed": "rate_limit",  # the nested event, code rate_limit_exceeded
}


def test_the_table_names_every_error_fixture() -> None:
    found = {str(p.relative_to(WIRE)).removesuffix(".meta.json") for p in WIRE.glob("*/error-*.meta.json")}
    assert found == set(FIXTURES)


@pytest.mark.parametrize(("name", "expected"), FIXTURES.items(), ids=list(FIXTURES))
def test_fixture_class(name: str, expected: FailureClass) -> None:
    status, headers, body = fixture(name)
    assert classify(UpstreamError("x", status=status, body=body, headers=headers)) == expected
    # the same class after the executor's reading (it turns Gemini's API_KEY_INVALID 400 into 401)
    assert classify(_upstream_error(status, headers, body)) == expected


OPENAI_CONTEXT = {
    "error": {
        "message": "This model's maximum context length is 128000 tokens. However, your messages resulted "
        "in 130412 tokens. Please reduce the length of the messages.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }
}
ANTHROPIC_400 = {"type": "error", "error": {"type": "invalid_request_error", "message": "{}"}}


def anthropic(status: int, kind: str, message: str) -> UpstreamError:
    return error(status, {"type": "error", "error": {"type": kind, "message": message}})


def gemini(status: int, state: str, message: str, *details: dict[str, Any]) -> UpstreamError:
    return error(status, {"error": {"code": status, "message": message, "status": state, "details": list(details)}})


def openai(status: int, code: str | None, message: str, kind: str = "invalid_request_error") -> UpstreamError:
    return error(status, {"error": {"message": message, "type": kind, "param": None, "code": code}})


def quota_failure(*quota_ids: str) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [{"quotaMetric": "generativelanguage.googleapis.com/x", "quotaId": q} for q in quota_ids],
    }


EXCEEDED = "You exceeded your current quota, please check your plan and billing details."

HAND: list[Any] = [
    # quota_exhausted
    pytest.param(error(402), "quota_exhausted", id="402-no-body"),
    pytest.param(
        error(402, {"error": {"message": "Insufficient credits. Add more using https://x/credits", "code": 402}}),
        "quota_exhausted",
        id="402-openrouter-credits",
    ),
    pytest.param(
        openai(402, "invalid_request_error", "Insufficient Balance", "unknown_error"),
        "quota_exhausted",
        id="402-deepseek-balance",
    ),
    pytest.param(
        openai(429, "insufficient_quota", EXCEEDED, "insufficient_quota"),
        "quota_exhausted",
        id="openai-429-insufficient-quota",
    ),
    pytest.param(openai(429, None, EXCEEDED, "insufficient_quota"), "quota_exhausted", id="openai-429-quota-type-only"),
    pytest.param(
        anthropic(
            400,
            "invalid_request_error",
            "Your credit balance is too low to access the Anthropic API. "
            "Please go to Plans & Billing to upgrade or purchase credits.",
        ),
        "quota_exhausted",
        id="anthropic-400-credit-balance",
    ),
    pytest.param(
        anthropic(
            400,
            "invalid_request_error",
            "You have reached your specified API usage limits. You will regain access on 2025-12-01 at 00:00 UTC.",
        ),
        "quota_exhausted",
        id="anthropic-400-usage-limits",
    ),
    pytest.param(anthropic(402, "billing_error", "billing problem"), "quota_exhausted", id="anthropic-billing-error"),
    pytest.param(
        gemini(
            429,
            "RESOURCE_EXHAUSTED",
            EXCEEDED,
            quota_failure("GenerateRequestsPerDayPerProjectPerModel-FreeTier"),
        ),
        "quota_exhausted",
        id="gemini-429-per-day-quota-id",
    ),
    pytest.param(
        gemini(
            429,
            "RESOURCE_EXHAUSTED",
            EXCEEDED,
            quota_failure(
                "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
                "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
            ),
        ),
        "quota_exhausted",
        id="gemini-429-minute-and-day-violated",
    ),
    pytest.param(
        gemini(
            429,
            "RESOURCE_EXHAUSTED",
            EXCEEDED + "\n* Quota exceeded for metric: generate_content_free_tier_requests, "
            "limit: 0, model: gemini-3.1-pro\nPlease retry in 5.2s.",
        ),
        "quota_exhausted",
        id="gemini-429-free-tier-limit-0",
    ),
    pytest.param(
        gemini(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for quota metric 'Gemini 2.5 Pro Requests' and limit "
            "'Gemini 2.5 Pro Requests per day per user per tier'",
        ),
        "quota_exhausted",
        id="gemini-429-per-day-wording",
    ),
    pytest.param(gemini(429, "RESOURCE_EXHAUSTED", EXCEEDED), "quota_exhausted", id="gemini-429-quota-no-window"),
    # rate_limit
    pytest.param(error(429), "rate_limit", id="429-no-body"),
    pytest.param(
        gemini(
            429,
            "RESOURCE_EXHAUSTED",
            EXCEEDED,
            quota_failure("GenerateContentInputTokensPerModelPerMinute-FreeTier"),
        ),
        "rate_limit",
        id="gemini-429-per-minute-quota-id",
    ),
    pytest.param(
        gemini(
            429,
            "RESOURCE_EXHAUSTED",
            "Quota exceeded for aiplatform.googleapis.com/"
            "generate_content_requests_per_minute_per_project_per_base_model with base model: gemini-pro.",
        ),
        "rate_limit",
        id="vertex-429-per-minute-metric",
    ),
    pytest.param(
        openai(
            429,
            "rate_limit_exceeded",
            "Rate limit reached for gpt-4o on requests per min (RPM): Limit 3, "
            "Used 3. Add a payment method to your account to increase your rate limit (billing).",
            "requests",
        ),
        "rate_limit",
        id="openai-429-rate-limit-mentions-billing",
    ),
    pytest.param(
        openai(
            429,
            "rate_limit_exceeded",
            "Rate limit reached for gpt-4 on requests per day (RPD): Limit 200.",
            "requests",
        ),
        "quota_exhausted",
        id="openai-429-requests-per-day",
    ),
    # auth
    pytest.param(error(401), "auth", id="401-no-body"),
    pytest.param(error(403, b"<html>Forbidden</html>"), "auth", id="403-html"),
    pytest.param(
        anthropic(403, "permission_error", "Your API key does not have permission to use the specified resource."),
        "auth",
        id="anthropic-403-permission",
    ),
    pytest.param(
        gemini(
            400,
            "INVALID_ARGUMENT",
            "API key expired. Please renew the API key.",
            {"reason": "API_KEY_INVALID"},
        ),
        "auth",
        id="gemini-400-key-expired",
    ),
    # model_or_context
    pytest.param(
        openai(400, "context_length_exceeded", OPENAI_CONTEXT["error"]["message"]),
        "model_or_context",
        id="openai-400-context-code",
    ),
    pytest.param(
        openai(400, None, OPENAI_CONTEXT["error"]["message"]),
        "model_or_context",
        id="openai-400-context-wording",
    ),
    pytest.param(
        anthropic(400, "invalid_request_error", "prompt is too long: 208656 tokens > 200000 maximum"),
        "model_or_context",
        id="anthropic-400-prompt-too-long",
    ),
    pytest.param(
        anthropic(
            400,
            "invalid_request_error",
            "input length and `max_tokens` exceed context limit: 197000 + 8192 "
            "> 200000, decrease input length or `max_tokens` and try again",
        ),
        "model_or_context",
        id="anthropic-400-input-plus-max-tokens",
    ),
    pytest.param(
        gemini(
            400,
            "INVALID_ARGUMENT",
            "The input token count (1200293) exceeds the maximum number of tokens allowed (1048576).",
        ),
        "model_or_context",
        id="gemini-400-input-token-count",
    ),
    pytest.param(
        openai(
            400,
            "unsupported_parameter",
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
        ),
        "model_or_context",
        id="openai-400-unsupported-with-this-model",
    ),
    pytest.param(
        gemini(400, "INVALID_ARGUMENT", "Developer instruction is not enabled for models/gemma-3-27b-it"),
        "model_or_context",
        id="gemini-400-not-enabled-for-model",
    ),
    pytest.param(
        gemini(400, "FAILED_PRECONDITION", "User location is not supported for the API use."),
        "model_or_context",
        id="gemini-400-failed-precondition",
    ),
    pytest.param(
        openai(404, "model_not_found", "The model `gpt-5x` does not exist or you do not have access to it."),
        "model_or_context",
        id="openai-404-model-not-found",
    ),
    pytest.param(anthropic(404, "not_found_error", "model: claude-nope"), "model_or_context", id="anthropic-404-model"),
    pytest.param(
        gemini(
            404,
            "NOT_FOUND",
            "models/gemini-9 is not found for API version v1beta, or is not supported for generateContent.",
        ),
        "model_or_context",
        id="gemini-404-model",
    ),
    pytest.param(error(404, b"404 page not found"), "model_or_context", id="404-plain-text"),
    pytest.param(
        openai(403, "model_not_found", "Project `proj_abc` does not have access to model `gpt-4.1`"),
        "model_or_context",
        id="openai-403-no-access-to-model",
    ),
    pytest.param(
        anthropic(413, "request_too_large", "Request exceeds the maximum allowed number of bytes."),
        "model_or_context",
        id="anthropic-413",
    ),
    # transient
    pytest.param(error(502, code="upstream_unreachable"), "transient", id="connection-refused-502"),
    pytest.param(error(504, code="upstream_timeout"), "transient", id="timeout-504"),
    pytest.param(error(529), "transient", id="529-no-body"),
    pytest.param(error(503, b"<html><body>Service Unavailable</body></html>"), "transient", id="503-html"),
    pytest.param(error(500, {"error": {"message": "insufficient balance"}}), "transient", id="5xx-wins-over-words"),
    pytest.param(error(408), "transient", id="408"),
    pytest.param(error(409), "transient", id="409"),
    # bad_request
    pytest.param(error(400), "bad_request", id="400-no-body"),
    pytest.param(error(422, {"detail": "field required"}), "bad_request", id="422"),
    pytest.param(
        openai(400, "invalid_value", "Invalid value: 'foo'. Supported values are: 'system', 'user'."),
        "bad_request",
        id="openai-400-invalid-value",
    ),
    pytest.param(
        anthropic(400, "invalid_request_error", 'messages: roles must alternate between "user" and "assistant"'),
        "bad_request",
        id="anthropic-400-roles",
    ),
    # an error event inside a 200 stream
    pytest.param(error(200, {"error": "something broke"}), "transient", id="stream-unknown"),
    pytest.param(
        error(200, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}}),
        "transient",
        id="stream-unnamed-type",
    ),
    pytest.param(
        error(200, {"type": "error", "code": "insufficient_quota", "message": EXCEEDED}),
        "quota_exhausted",
        id="stream-quota",
    ),
    pytest.param(
        error(200, {"error": "prompt is too long for the context window"}),
        "model_or_context",
        id="stream-context",
    ),
]


@pytest.mark.parametrize(("failure", "expected"), HAND)
def test_hand_written_class(failure: UpstreamError, expected: FailureClass) -> None:
    assert classify(failure) == expected


def test_decision_table() -> None:
    assert set(DECISIONS) == set(get_args(FailureClass))
    table = {
        k: (d.next_account, d.next_target, d.cooldown, d.base_cooldown_s, d.per_model, d.count_for_breaker)
        for k, d in DECISIONS.items()
    }
    assert table == {
        "rate_limit": (True, True, "retry_after", 1.0, True, False),
        "quota_exhausted": (True, True, "long", 3600.0, False, False),
        "auth": (True, True, "long", 300.0, False, False),
        "transient": (False, True, "backoff", 1.0, False, True),
        "model_or_context": (False, True, "backoff", 30.0, True, False),
        "bad_request": (False, False, "none", None, False, False),
    }
    with pytest.raises(FrozenInstanceError):
        DECISIONS["auth"].next_account = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        DECISIONS["auth"] = Decision(False, False, "none", None, False, False)  # type: ignore[index]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("12ms", 0.012),
        ("253ms", 0.253),
        ("1s", 1.0),
        ("0.5s", 0.5),
        ("28s", 28.0),
        ("28.264612372s", 28.264612372),
        ("6m0s", 360.0),
        ("1m30s", 90.0),
        ("1h2m3.5s", 3723.5),
        ("2h", 7200.0),
        ("1500us", 0.0015),
        ("1500µs", 0.0015),
        ("17", 17.0),
        ("0.25", 0.25),
        (" 3s ", 3.0),
        ("-3", 0.0),
        ("", None),
        ("soon", None),
        ("6m0", None),
        ("s", None),
        ("1d", None),
        ("inf", None),
    ],
)
def test_parse_duration(value: str, seconds: float | None) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("2025-11-20T15:07:17Z", 17.0),
        ("2025-11-20T15:07:01.500Z", 1.5),
        ("2025-11-20T16:07:17+01:00", 17.0),
        ("2025-11-20T15:07:17", 17.0),  # no offset: UTC
        ("2025-11-20T15:06:00Z", 0.0),  # already past
        ("6m0s", 360.0),
        ("not a time", None),
    ],
)
def test_parse_reset(value: str, seconds: float | None) -> None:
    assert parse_reset(value, now=NOW) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("failure", "seconds"),
    [
        pytest.param(from_fixture("anthropic/error-429"), 17.0, id="anthropic-retry-after-and-input-reset"),
        pytest.param(
            from_fixture("anthropic/error-429", retry_after=None),
            17.0,
            id="anthropic-input-tokens-reset-only",
        ),
        pytest.param(from_fixture("anthropic/error-429", retry_after="5"), 17.0, id="anthropic-largest-wins"),
        pytest.param(
            from_fixture(
                "anthropic/error-429",
                retry_after=None,
                anthropic_ratelimit_requests_remaining="0",
                anthropic_ratelimit_requests_reset="2025-11-20T15:08:00Z",
            ),
            60.0,
            id="anthropic-two-exhausted-largest",
        ),
        pytest.param(from_fixture("openai-chat/error-429"), 1.0, id="openai-retry-after-beats-253ms"),
        pytest.param(
            from_fixture("openai-chat/error-429", retry_after=None), 0.253, id="openai-tightest-window-tokens"
        ),
        pytest.param(
            from_fixture("openai-responses/error-429", retry_after=None), 0.12, id="openai-requests-exhausted"
        ),
        pytest.param(
            from_fixture(
                "openai-chat/error-429",
                retry_after=None,
                x_ratelimit_remaining_requests="0",
                x_ratelimit_reset_requests="6m0s",
            ),
            360.0,
            id="openai-exhausted-window-beats-tightest",
        ),
        pytest.param(
            from_fixture(
                "openai-chat/error-429",
                retry_after=None,
                x_ratelimit_remaining_requests=None,
                x_ratelimit_remaining_tokens=None,
            ),
            0.253,
            id="openai-uncounted-resets-largest",
        ),
        pytest.param(from_fixture("gemini/error-429"), 28.0, id="gemini-retry-info"),
        pytest.param(
            from_fixture("openai-chat/error-429", retry_after=None, retry_after_ms="1500"),
            1.5,
            id="retry-after-ms",
        ),
        pytest.param(
            from_fixture("openai-chat/error-429", retry_after="Thu, 20 Nov 2025 15:07:30 GMT"),
            30.0,
            id="retry-after-http-date",
        ),
        pytest.param(
            error(
                429,
                {
                    "error": {
                        "message": "Rate limit reached. Please try again in 6m0s.",
                        "code": "rate_limit_exceeded",
                    }
                },
            ),
            360.0,
            id="openai-text-only",
        ),
        pytest.param(error(429, {"error": {"message": "Please retry in 28.26s."}}), 28.26, id="gemini-text-only"),
        pytest.param(from_fixture("openai-chat/error-500"), None, id="no-hint"),
        pytest.param(
            error(
                500,
                x_ratelimit_remaining_tokens="900",
                x_ratelimit_limit_tokens="1000",
                x_ratelimit_reset_tokens="9s",
            ),
            None,
            id="500-nothing-exhausted",
        ),
        pytest.param(
            error(503, x_ratelimit_remaining_requests="0", x_ratelimit_reset_requests="9s"),
            9.0,
            id="503-exhausted-window",
        ),
        pytest.param(UpstreamError("x", status=429, retry_after=4.0), 4.0, id="error-retry-after-field"),
    ],
)
def test_wait_seconds(failure: UpstreamError, seconds: float | None) -> None:
    assert wait_seconds(failure, now=NOW) == pytest.approx(seconds)


def test_quota_snapshot_openai_429() -> None:
    _, headers, _ = fixture("openai-chat/error-429")
    snapshot = quota_snapshot(headers, now=NOW)
    assert snapshot == {
        "requests": {"limit": 5000, "remaining": 4999, "reset_s": 0.012, "reset_at": NOW + 0.012},
        "tokens": {"limit": 200000, "remaining": 786, "reset_s": 0.253, "reset_at": NOW + 0.253},
    }
    assert headroom(snapshot) == pytest.approx(786 / 200000)


def test_quota_snapshot_anthropic_429() -> None:
    _, headers, _ = fixture("anthropic/error-429")
    snapshot = quota_snapshot(headers, now=NOW)
    assert snapshot == {
        "requests": {"limit": 50, "remaining": 49, "reset_s": 1.0, "reset_at": NOW + 1},
        "input_tokens": {"limit": 30000, "remaining": 0, "reset_s": 17.0, "reset_at": NOW + 17},
        "output_tokens": {"limit": 8000, "remaining": 8000, "reset_s": 0.0, "reset_at": NOW},
    }
    assert headroom(snapshot) == 0.0


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({"content-type": "application/json"}, None, id="none"),
        pytest.param(
            {"x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "7500"},
            {"requests": {"limit": 10000, "remaining": 7500, "reset_s": None, "reset_at": None}},
            id="openai-200-no-reset",
        ),
        pytest.param(
            {"anthropic-ratelimit-tokens-remaining": "120", "anthropic-ratelimit-tokens-reset": "garbage"},
            {"tokens": {"limit": None, "remaining": 120, "reset_s": None, "reset_at": None}},
            id="anthropic-200-remaining-only",
        ),
        pytest.param({"x-ratelimit-limit-requests": "many"}, None, id="unreadable"),
    ],
)
def test_quota_snapshot_successful_headers(headers: dict[str, str], expected: object) -> None:
    assert quota_snapshot(headers, now=NOW) == expected


@pytest.mark.parametrize(
    ("headers", "fraction"),
    [
        pytest.param({}, 1.0, id="unknown"),
        pytest.param({"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "25"}, 0.25, id="quarter"),
        pytest.param(
            {
                "x-ratelimit-limit-requests": "100",
                "x-ratelimit-remaining-requests": "80",
                "x-ratelimit-limit-tokens": "1000",
                "x-ratelimit-remaining-tokens": "100",
            },
            0.1,
            id="min-of-windows",
        ),
        pytest.param({"x-ratelimit-remaining-requests": "25"}, 1.0, id="no-limit-unknown"),
        pytest.param({"x-ratelimit-remaining-requests": "0"}, 0.0, id="zero-without-limit"),
        pytest.param({"x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": "12"}, 1.0, id="clamped"),
        pytest.param({"x-ratelimit-limit-requests": "0", "x-ratelimit-remaining-requests": "5"}, 1.0, id="zero-limit"),
    ],
)
def test_headroom(headers: dict[str, str], fraction: float) -> None:
    assert headroom(quota_snapshot(headers, now=NOW)) == pytest.approx(fraction)


def test_headroom_of_nothing() -> None:
    assert headroom(None) == 1.0


@pytest.mark.parametrize(
    ("body", "tokens", "text", "delay"),
    [
        pytest.param(b"", (), "", None, id="empty"),
        pytest.param(b"<html>Bad Gateway</html>", (), "<html>bad gateway</html>", None, id="html"),
        pytest.param(b"\xff\xfe", (), "\ufffd\ufffd", None, id="not-utf8"),
        pytest.param(
            b'[{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "M"}}]',
            ("RESOURCE_EXHAUSTED",),
            "m",
            None,
            id="gemini-array",
        ),
        pytest.param(
            b'{"type": "error", "code": "server_error", "message": "Boom"}',
            ("server_error", "error"),
            "boom",
            None,
            id="responses-flat-event",
        ),
        pytest.param(b'{"error": "model \'x\' not found"}', (), "model 'x' not found", None, id="ollama"),
        pytest.param(
            b'{"error": {"details": [{"retryDelay": "2s"}, {"retryDelay": "7s"}, {"retryDelay": "?"}]}}',
            (),
            "",
            7.0,
            id="retry-info-largest",
        ),
        pytest.param(b"[1, 2]", (), "[1, 2]", None, id="json-not-an-object"),
    ],
)
def test_read_error_body(body: bytes, tokens: tuple[str, ...], text: str, delay: float | None) -> None:
    read = read_error_body(body)
    assert (read.tokens, read.text.strip(), read.retry_delay_s) == (tokens, text, delay)


def test_gemini_fixture_body() -> None:
    read = read_error_body(fixture("gemini/error-429")[2])
    assert read.tokens == ("RESOURCE_EXHAUSTED",)
    assert "generaterequestsperminuteperprojectpermodel-freetier" in read.text
    assert read.retry_delay_s == 28.0


@pytest.mark.parametrize(
    ("name", "failure", "wait"),
    [
        ("anthropic/error-429", "rate_limit", 17.0),
        ("gemini/error-429", "rate_limit", 28.0),
        ("anthropic/error-529", "transient", None),
        ("gemini/error-400", "bad_request", None),
    ],
)
def test_assess(name: str, failure: FailureClass, wait: float | None) -> None:
    verdict = assess(from_fixture(name), now=NOW)
    assert (verdict.failure, verdict.decision, verdict.wait_s) == (failure, DECISIONS[failure], wait)
