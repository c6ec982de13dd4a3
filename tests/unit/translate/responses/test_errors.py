"""translate/responses/errors.py: provider error bodies read, gateway errors written in OpenAI's
envelope (which the Responses API shares), and the codec entry the registry will hold."""

from __future__ import annotations

import pytest
from openai.types.shared import ErrorObject

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
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.responses import errors, request, response, stream

from ..error_tables import captured_status, codec_entry
from .support import RESPONSES

PARSED = {
    "error-400.json": ("Invalid value: 'input_txt'.", "invalid_value"),
    "error-401.json": ("Incorrect API key provided", "invalid_api_key"),
    "error-429.json": ("Rate limit reached for gpt-4.1-mini", "rate_limit_exceeded"),
    "error-500.json": ("The server had an error while processing your request.", "server_error"),
}


@pytest.mark.parametrize(("name", "expected"), PARSED.items(), ids=PARSED.keys())
def test_parse_error(name: str, expected: tuple[str, str]) -> None:
    message, code = errors.parse_error(captured_status(RESPONSES / name), (RESPONSES / name).read_bytes())
    assert message.startswith(expected[0])
    assert code == expected[1]


def test_parse_error_of_a_body_that_is_not_json() -> None:
    assert errors.parse_error(502, b"<html>Bad gateway</html>") == ("<html>Bad gateway</html>", "http_502")


CASES: list[tuple[GatewayError, int, str, str]] = [
    (
        InvalidRequest("previous_response_id is not supported", param="previous_response_id"),
        400,
        "invalid_request_error",
        "invalid_request",
    ),
    (AuthenticationFailed("missing key"), 401, "authentication_error", "invalid_api_key"),
    (ModelNotFound("no such model"), 404, "invalid_request_error", "model_not_found"),
    (UnsupportedFormat("no codec"), 501, "invalid_request_error", "unsupported_format"),
    (
        UpstreamError("slow down", status=429, code="rate_limit_exceeded"),
        429,
        "upstream_error",
        "rate_limit_exceeded",
    ),
    (RoutingFailed("m", [Attempt("p/m", "key-1", 500)]), 500, "upstream_error", "all_targets_failed"),
]


@pytest.mark.parametrize(("exc", "status", "kind", "code"), CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_error_body(exc: GatewayError, status: int, kind: str, code: str) -> None:
    got_status, body = errors.error_body(exc)
    assert got_status == status
    error = ErrorObject.model_validate(body["error"])
    assert (error.message, error.type, error.code) == (exc.message, kind, code)
    if isinstance(exc, InvalidRequest):
        assert error.param == "previous_response_id"


def test_codec_entry_fills_every_slot() -> None:
    codec = codec_entry(request, response, stream, errors)
    assert codec.encoder(StreamContext(id="resp_1", model="m", created=1)).finish()[-1].event == "response.completed"
    assert codec.decoder().done is False
