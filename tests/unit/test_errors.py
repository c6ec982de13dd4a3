"""errors.py: RoutingFailed picks one status from every attempt and names each attempt."""

from __future__ import annotations

import pytest

from omniroute_agent.errors import Attempt, RoutingFailed, UpstreamError


def attempts(*statuses: int | None) -> list[Attempt]:
    return [Attempt(f"p{n}/m", f"p{n}-conn", s, None if s else "connection refused") for n, s in enumerate(statuses)]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param((429,), 429, id="one-429"),
        pytest.param((429, 429, 429), 429, id="all-429"),
        pytest.param((500,), 500, id="one-500"),
        pytest.param((429, 503), 503, id="last-503"),
        pytest.param((503, 429), 502, id="last-429-after-5xx"),
        pytest.param((500, 504), 504, id="last-504"),
        pytest.param((503, 401), 502, id="last-401"),
        pytest.param((400,), 400, id="every-target-refused-the-request"),
        pytest.param((400, 500), 500, id="refused-then-5xx"),
        pytest.param((None,), 502, id="connection-only"),
        pytest.param((None, None), 502, id="connections-only"),
        pytest.param((None, 503, None), 503, id="5xx-then-no-answer"),
        pytest.param((), 502, id="no-attempts"),
    ],
)
def test_routing_failed_status(statuses: tuple[int | None, ...], expected: int) -> None:
    err = RoutingFailed("stack", attempts(*statuses))
    assert err.status == expected
    assert err.code == "all_targets_failed"


ATTEMPTS = [
    Attempt("fake/gpt-4.1-mini", "fake-1", 429, "rate limited"),
    Attempt("fake/gpt-4.1-mini", "fake-2", 401),
    Attempt("backup/gpt-4.1-nano", "backup-1", None, "upstream unreachable"),
    Attempt("ghost/model-x", None, None, "provider 'ghost' is not configured"),
]


def test_message_names_every_attempt_in_order() -> None:
    err = RoutingFailed("stack", ATTEMPTS, retry_after=7.0)
    assert err.message.startswith("all targets for 'stack' failed (4 attempts): ")
    assert str(err) == err.message
    tried = err.message.split(": ", 1)[1].split("; ")
    assert len(tried) == len(ATTEMPTS)
    for part, attempt in zip(tried, ATTEMPTS, strict=True):
        assert part.startswith(attempt.target), (part, attempt)
        for detail in (attempt.connection, attempt.status, attempt.error):
            if detail is not None:
                assert str(detail) in part, (detail, part)
    assert err.attempts == ATTEMPTS
    assert err.retry_after == 7.0


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, True),
        (403, True),
        (404, False),
        (408, True),
        (409, True),
        (422, False),
        (429, True),
        (500, True),
        (502, True),
        (529, True),
    ],
)
def test_upstream_error_retryable(status: int, retryable: bool) -> None:
    assert UpstreamError("x", status=status).retryable is retryable


def test_attempt_as_dict_rounds_latency() -> None:
    assert Attempt("p/m", "c", 200, None, 12.34567, 1.0).as_dict() == {
        "target": "p/m",
        "connection": "c",
        "status": 200,
        "error": None,
        "latency_ms": 12.35,
        "cooldown_s": 1.0,
        "error_class": None,
    }
