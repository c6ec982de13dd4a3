"""translate/gemini/errors.py: Google error bodies (plain and array-wrapped) read into message and
code; gateway errors rendered as google.rpc.Status, with RetryInfo when a retry time is known."""

from __future__ import annotations

import json

import pytest
from google.genai import errors as genai_errors

from omniroute_agent.errors import (
    Attempt,
    AuthenticationFailed,
    GatewayError,
    InvalidRequest,
    ModelNotFound,
    RoutingFailed,
    UnsupportedFormat,
    UpstreamError,
)
from omniroute_agent.translate.gemini.errors import error_body, parse_error, retry_delay_seconds

from ..error_tables import captured_status, error_fixtures
from .helpers import GEMINI

# fixture: (start of the message, code, retry delay in seconds)
FIXTURES = {
    "error-400.json": (
        "* GenerateContentRequest.contents: contents is not specified",
        "INVALID_ARGUMENT",
        None,
    ),
    "error-400-invalid-api-key.json": ("API key not valid.", "API_KEY_INVALID", None),
    "error-401.json": ("Request had invalid authentication credentials.", "UNAUTHENTICATED", None),
    "error-403.json": ("Method doesn't allow unregistered callers", "PERMISSION_DENIED", None),
    "error-429.json": ("You exceeded your current quota", "RESOURCE_EXHAUSTED", 28.0),
    "error-429.stream.json": ("Resource has been exhausted", "RESOURCE_EXHAUSTED", None),
    "error-500.json": ("An internal error has occurred.", "INTERNAL", None),
    "error-503.json": ("The model is overloaded.", "UNAVAILABLE", None),
}


def test_every_error_fixture_is_covered() -> None:
    assert set(error_fixtures(GEMINI)) == set(FIXTURES)


@pytest.mark.parametrize(("fixture", "expected"), FIXTURES.items(), ids=FIXTURES.keys())
def test_parse_error(fixture: str, expected: tuple[str, str, float | None]) -> None:
    body = (GEMINI / fixture).read_bytes()
    message, code = parse_error(captured_status(GEMINI / fixture), body)
    start, expected_code, delay = expected
    assert message.startswith(start)
    assert code == expected_code
    assert retry_delay_seconds(body) == delay
    if delay is not None:
        assert message.endswith("(retry after 28s)")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<html>502 Bad Gateway</html>", ("<html>502 Bad Gateway</html>", "http_502")),
        (b"", ("status 502", "http_502")),
        (b'{"unexpected": 1}', ('{"unexpected": 1}', "http_502")),
        (b'{"error": {"message": "openai-shaped", "type": "x"}}', ("openai-shaped", "http_502")),
    ],
)
def test_parse_error_of_other_bodies(body: bytes, expected: tuple[str, str]) -> None:
    assert parse_error(502, body) == expected


@pytest.mark.parametrize(
    ("delay", "seconds"), [("1.5s", 1.5), ({"seconds": 2, "nanos": 500000000}, 2.5), ("soon", None)]
)
def test_retry_delay_forms(delay: object, seconds: float | None) -> None:
    detail = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
    body = json.dumps({"error": {"code": 429, "message": "x", "details": [detail]}}).encode()
    assert retry_delay_seconds(body) == seconds


ATTEMPTS = [Attempt("gemini/flash", "key-1", 429), Attempt("gemini/pro", "key-2", 429)]
ERRORS: dict[str, tuple[GatewayError, int, str]] = {
    "invalid": (InvalidRequest("bad"), 400, "INVALID_ARGUMENT"),
    "auth": (AuthenticationFailed("who?"), 401, "UNAUTHENTICATED"),
    "model": (ModelNotFound("no model"), 404, "NOT_FOUND"),
    "format": (UnsupportedFormat("later"), 501, "UNIMPLEMENTED"),
    "upstream 503": (UpstreamError("overloaded", status=503), 503, "UNAVAILABLE"),
    "upstream 502": (UpstreamError("unreachable", status=502), 502, "UNAVAILABLE"),
    "timeout": (UpstreamError("timed out", status=504), 504, "DEADLINE_EXCEEDED"),
    "internal": (GatewayError("oops"), 500, "INTERNAL"),
    "rate limited": (UpstreamError("slow down", status=429, retry_after=28), 429, "RESOURCE_EXHAUSTED"),
    "all failed": (RoutingFailed("flash", ATTEMPTS, retry_after=1.25), 429, "RESOURCE_EXHAUSTED"),
}


@pytest.mark.parametrize(("exc", "status", "name"), ERRORS.values(), ids=ERRORS.keys())
def test_error_body(exc: GatewayError, status: int, name: str) -> None:
    http_status, body = error_body(exc)
    assert http_status == status
    error = body["error"]
    assert (error["code"], error["message"], error["status"]) == (status, exc.message, name)
    retry_after = getattr(exc, "retry_after", None)
    raw = json.dumps(body).encode()
    assert retry_delay_seconds(raw) == retry_after
    assert parse_error(status, raw)[1] == name
    # google-genai reads it as its own error
    parsed = genai_errors.APIError(status, body)
    assert (parsed.code, parsed.status, parsed.message) == (status, name, exc.message)
