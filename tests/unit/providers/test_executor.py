"""providers/executor.py: Retry-After parsing and the upstream request each wire format needs."""

from __future__ import annotations

import email.utils
import json
from pathlib import Path

import pytest

from omniroute_agent.formats import FORMATS
from omniroute_agent.providers.catalog import WIRE_RULES
from omniroute_agent.providers.executor import _upstream_error, build_request, parse_retry_after

NOW = 1_700_000_000.0


def http_date(ts: float) -> str:
    return email.utils.formatdate(ts, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({}, None, id="absent"),
        pytest.param({"retry-after": ""}, None, id="empty"),
        pytest.param({"retry-after": "30"}, 30.0, id="seconds"),
        pytest.param({"retry-after": "0"}, 0.0, id="zero"),
        pytest.param({"retry-after": "1.5"}, 1.5, id="fractional"),
        pytest.param({"retry-after": "-5"}, 0.0, id="negative-clamped"),
        pytest.param({"retry-after-ms": "1500"}, 1.5, id="ms"),
        pytest.param({"retry-after-ms": "250", "retry-after": "9"}, 0.25, id="ms-wins"),
        pytest.param({"retry-after-ms": "soon", "retry-after": "9"}, 9.0, id="bad-ms-falls-back"),
        pytest.param({"retry-after-ms": "-100"}, 0.0, id="negative-ms-clamped"),
        pytest.param({"retry-after": http_date(NOW + 120)}, 120.0, id="http-date-future"),
        pytest.param({"retry-after": "Tue, 14 Nov 2023 22:15:20 GMT"}, 120.0, id="http-date-literal"),
        pytest.param({"retry-after": http_date(NOW - 3600)}, 0.0, id="http-date-past"),
        pytest.param({"retry-after": "soon"}, None, id="garbage"),
        pytest.param({"retry-after": "Mon, 99 Foo 2023 25:61:00 GMT"}, None, id="garbage-date"),
        pytest.param({"retry-after": "inf"}, None, id="garbage-inf"),
        pytest.param({"retry-after-ms": "inf"}, None, id="garbage-inf-ms"),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers, now=NOW) == expected


EXPECTED_AUTH = {
    "openai": ("authorization", "Bearer sk-1"),
    "responses": ("authorization", "Bearer sk-1"),
    "ollama": ("authorization", "Bearer sk-1"),
    "anthropic": ("x-api-key", "sk-1"),
    "gemini": ("x-goog-api-key", "sk-1"),
}

EXPECTED_PATH = {
    # format: (path, stream path) for model "m-1"
    "openai": ("/chat/completions", "/chat/completions"),
    "responses": ("/responses", "/responses"),
    "ollama": ("/api/chat", "/api/chat"),
    "anthropic": ("/messages", "/messages"),
    "gemini": ("/models/m-1:generateContent", "/models/m-1:streamGenerateContent?alt=sse"),
}

AUTH_HEADERS = {"authorization", "x-api-key", "x-goog-api-key"}


def test_tables_cover_every_format() -> None:
    assert set(WIRE_RULES) == set(FORMATS) == set(EXPECTED_AUTH) == set(EXPECTED_PATH)


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/", "http://127.0.0.1:9/v1//"],
    ids=["no-slash", "slash", "two-slashes"],
)
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_build_request(fmt: str, stream: bool, base_url: str) -> None:
    req = build_request(fmt, base_url, "m-1", "sk-1", b'{"x":1}', stream=stream)  # type: ignore[arg-type]
    assert req.url == "http://127.0.0.1:9/v1" + EXPECTED_PATH[fmt][stream]
    assert req.body == b'{"x":1}'
    header, value = EXPECTED_AUTH[fmt]
    assert req.headers[header] == value
    assert AUTH_HEADERS & set(req.headers) == {header}  # exactly one auth header
    assert req.headers["content-type"] == "application/json"
    assert req.headers["accept"] == ("text/event-stream" if stream else "application/json")
    assert "{model}" not in req.url


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_secret_sends_no_auth_header(fmt: str) -> None:
    req = build_request(fmt, "http://127.0.0.1:11434", "llama3", "", b"{}", stream=False)  # type: ignore[arg-type]
    assert not AUTH_HEADERS & {k.lower() for k in req.headers}
    assert not any("Bearer" in v for v in req.headers.values())


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [("anthropic", {"anthropic-version": "2023-06-01"}), ("openai", {}), ("gemini", {})],
)
def test_extra_headers(fmt: str, extra: dict[str, str]) -> None:
    req = build_request(fmt, "http://h/v1", "m", "k", b"", stream=False)  # type: ignore[arg-type]
    assert {k: v for k, v in req.headers.items() if k not in {"content-type", "accept"} | AUTH_HEADERS} == extra


def test_gemini_model_substituted_in_both_paths() -> None:
    plain = build_request("gemini", "https://g/v1beta", "gemini-2.5-flash", "k", b"", stream=False)
    streamed = build_request("gemini", "https://g/v1beta", "gemini-2.5-flash", "k", b"", stream=True)
    assert plain.url == "https://g/v1beta/models/gemini-2.5-flash:generateContent"
    assert streamed.url == "https://g/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"


WIRE_DIR = Path(__file__).resolve().parents[2] / "wire"


@pytest.mark.parametrize(
    ("fixture", "status", "retry_after"),
    [
        pytest.param("gemini/error-429", 429, 28.0, id="gemini-retry-delay-in-body"),
        pytest.param("gemini/error-400-invalid-api-key", 401, None, id="gemini-bad-key-is-an-auth-failure"),
        pytest.param("gemini/error-400", 400, None, id="gemini-plain-400"),
        pytest.param("openai-chat/error-429", 429, 1.0, id="openai-retry-after-header"),
        pytest.param("anthropic/error-529", 529, None, id="anthropic-overloaded"),
    ],
)
def test_upstream_errors_are_classified_from_status_headers_and_body(
    fixture: str, status: int, retry_after: float | None
) -> None:
    meta = json.loads((WIRE_DIR / f"{fixture}.meta.json").read_text())
    error = _upstream_error(meta["status"], meta["headers"], (WIRE_DIR / f"{fixture}.json").read_bytes())
    assert error.status == status
    assert error.retry_after == retry_after
    assert error.retryable is (status != 400)
