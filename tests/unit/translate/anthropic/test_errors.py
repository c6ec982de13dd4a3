"""translate/anthropic/errors.py: provider error bodies read into (message, code); gateway errors
written as Anthropic error bodies the SDK parses and maps to the right exception class."""

from __future__ import annotations

import anthropic
import httpx2  # the HTTP client anthropic 2.x is built on
import pytest
from anthropic.types.shared import ErrorResponse

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
from omniroute_agent.translate.anthropic.errors import error_body, parse_error

from ..error_tables import captured_status, error_fixtures
from ..streams import load
from .helpers import ANTHROPIC

ERROR_FIXTURES = error_fixtures(ANTHROPIC)


@pytest.mark.parametrize("name", ERROR_FIXTURES)
def test_parse_error_fixture(name: str) -> None:
    body = load(ANTHROPIC / name)
    assert parse_error(captured_status(ANTHROPIC / name), (ANTHROPIC / name).read_bytes()) == (
        body["error"]["message"],
        body["error"]["type"],
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"<html>Bad Gateway</html>", ("<html>Bad Gateway</html>", "http_502"), id="html"),
        pytest.param(b"", ("status 502", "http_502"), id="empty"),
        pytest.param(b'{"error": "plain"}', ("plain", "http_502"), id="string-error"),
        pytest.param(b'{"detail": "x"}', ('{"detail": "x"}', "http_502"), id="other-json"),
    ],
)
def test_parse_error_other_bodies(body: bytes, expected: tuple[str, str]) -> None:
    assert parse_error(502, body) == expected


@pytest.mark.parametrize(
    ("exc", "status", "kind", "sdk_class"),
    [
        (InvalidRequest("bad"), 400, "invalid_request_error", anthropic.BadRequestError),
        (AuthenticationFailed("who"), 401, "authentication_error", anthropic.AuthenticationError),
        (UpstreamError("no", status=403), 403, "permission_error", anthropic.PermissionDeniedError),
        (ModelNotFound("what"), 404, "not_found_error", anthropic.NotFoundError),
        (UpstreamError("slow", status=429), 429, "rate_limit_error", anthropic.RateLimitError),
        (UpstreamError("boom", status=500), 500, "api_error", anthropic.InternalServerError),
        (UpstreamError("gone", status=502), 502, "api_error", anthropic.InternalServerError),
        (UpstreamError("busy", status=503), 503, "api_error", anthropic.ServiceUnavailableError),
        (UpstreamError("Overloaded", status=529), 529, "overloaded_error", anthropic.OverloadedError),
        (UnsupportedFormat("later"), 501, "api_error", anthropic.HTTPNotImplementedError),
        (UpstreamError("late", status=504), 504, "timeout_error", anthropic.GatewayTimeoutError),
        (GatewayError("oops"), 500, "api_error", anthropic.InternalServerError),
    ],
)
def test_error_body(exc: GatewayError, status: int, kind: str, sdk_class: type[anthropic.APIStatusError]) -> None:
    got_status, body = error_body(exc)
    assert got_status == status
    assert body == {"type": "error", "error": {"type": kind, "message": exc.message}}
    ErrorResponse.model_validate(body)
    client = anthropic.Anthropic(api_key="test")
    raw = httpx2.Response(status, json=body, request=httpx2.Request("POST", "https://api.anthropic.com/v1/messages"))
    error = client._make_status_error(exc.message, body=body, response=raw)
    assert type(error) is sdk_class


def test_routing_failed_lists_the_attempts() -> None:
    exc = RoutingFailed("claude", [Attempt("anthropic/claude", "key-1", 529, "Overloaded")])
    status, body = error_body(exc)
    assert (status, body["error"]["type"]) == (529, "overloaded_error")
    assert body["error"]["attempts"][0]["status"] == 529
    ErrorResponse.model_validate(body)
