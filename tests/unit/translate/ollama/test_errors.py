"""translate/ollama/errors.py: Ollama error bodies are `{"error": "<message>"}` with the HTTP status."""

from __future__ import annotations

import json

import pytest

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
from omniroute_agent.translate.ollama.errors import error_body, parse_error
from tests.unit.translate.error_tables import captured_status
from tests.unit.translate.ollama.helpers import OLLAMA

FIXTURES = {
    "error-400.json": '"llama3.2" does not support thinking',
    "error-401.json": "unauthorized",
    "error-404.json": "model 'llama3.3' not found",
    "error-500.json": "llama runner process has terminated: exit status 2",
}


@pytest.mark.parametrize(("fixture", "message"), FIXTURES.items())
def test_parse_error_fixtures(fixture: str, message: str) -> None:
    status = captured_status(OLLAMA / fixture)
    assert parse_error(status, (OLLAMA / fixture).read_bytes()) == (message, f"http_{status}")


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        pytest.param(502, b"<html>Bad Gateway</html>", ("<html>Bad Gateway</html>", "http_502"), id="not-json"),
        pytest.param(503, b"", ("status 503", "http_503"), id="empty"),
        pytest.param(400, b'{"error": ""}', ("status 400", "http_400"), id="empty-message"),
        pytest.param(
            429,
            b'{"error": {"message": "slow down", "type": "rate_limit"}}',
            ("slow down", "rate_limit"),
            id="openai-shaped",
        ),
        pytest.param(500, b"[1, 2]", ("[1, 2]", "http_500"), id="other-json"),
    ],
)
def test_parse_error_other_bodies(status: int, body: bytes, expected: tuple[str, str]) -> None:
    assert parse_error(status, body) == expected


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        pytest.param(InvalidRequest("messages[0]: Ollama cannot take a 'input_audio' content part"), 400, id="invalid"),
        pytest.param(AuthenticationFailed("missing API key"), 401, id="auth"),
        pytest.param(ModelNotFound("model 'x' not found"), 404, id="model"),
        pytest.param(UnsupportedFormat("no codec"), 501, id="format"),
        pytest.param(UpstreamError("rate limited", status=429), 429, id="upstream"),
        pytest.param(RoutingFailed("m", [Attempt("t", "c", 503, "down")]), 503, id="routing"),
        pytest.param(GatewayError("boom"), 500, id="internal"),
    ],
)
def test_error_body(exc: GatewayError, status: int) -> None:
    got_status, body = error_body(exc)
    assert got_status == status
    assert body == {"error": exc.message}
    assert parse_error(got_status, json.dumps(body).encode())[0] == exc.message
