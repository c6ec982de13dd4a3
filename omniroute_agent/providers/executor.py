"""The executor: sends a prepared request over the one shared aiohttp session, or opens a stream.

It moves bytes and classifies transport outcomes into `UpstreamError`; it knows no body format.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import re
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

import aiohttp

from omniroute_agent.errors import UpstreamError
from omniroute_agent.formats import Format
from omniroute_agent.providers.catalog import WIRE_RULES

_ERROR_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    url: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class UpstreamResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes


def build_request(fmt: Format, base_url: str, model: str, secret: str, body: bytes, *, stream: bool) -> UpstreamRequest:
    rules = WIRE_RULES[fmt]
    path = (rules.stream_path if stream else rules.path).replace("{model}", model)
    headers = {
        "content-type": "application/json",
        "accept": "text/event-stream" if stream else "application/json",
    }
    if secret:
        headers[rules.auth_header] = f"Bearer {secret}" if rules.auth_header == "authorization" else secret
    headers.update(rules.extra_headers)
    return UpstreamRequest(base_url.rstrip("/") + path, headers, body)


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from `retry-after-ms`, `retry-after` (seconds or an HTTP date)."""
    if (ms := finite_number(headers.get("retry-after-ms"))) is not None:
        return max(0.0, ms / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    if (seconds := finite_number(value)) is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, when - (time.time() if now is None else now))


def finite_number(value: str | None) -> float | None:
    """A header value as a finite float, or None."""
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


class Executor:
    def __init__(self, session: aiohttp.ClientSession, *, request_timeout: float, idle_timeout: float) -> None:
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=request_timeout, sock_connect=min(10.0, request_timeout))
        self._stream_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=min(10.0, request_timeout), sock_read=idle_timeout
        )
        self._start_timeout = request_timeout
        self.first_byte_timeout = request_timeout

    @property
    def session(self) -> aiohttp.ClientSession:
        """The shared outbound session, for other GETs the gateway makes (see `providers.fetch`)."""
        return self._session

    async def send(self, req: UpstreamRequest) -> UpstreamResponse:
        try:
            async with self._session.post(req.url, data=req.body, headers=req.headers, timeout=self._timeout) as resp:
                body = await resp.read()
                headers = _lower(resp.headers)
                if resp.status >= 400:
                    raise _upstream_error(resp.status, headers, body)
                return UpstreamResponse(resp.status, headers, body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _transport_error(exc) from None

    async def open_stream(self, req: UpstreamRequest) -> UpstreamStream:
        """Opens the stream and waits for the status line; an error status raises before any byte flows."""
        try:
            async with asyncio.timeout(self._start_timeout):
                resp = await self._session.post(
                    req.url, data=req.body, headers=req.headers, timeout=self._stream_timeout
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _transport_error(exc) from None
        headers = _lower(resp.headers)
        if resp.status >= 400:
            try:
                body = await resp.content.read(_ERROR_BODY_LIMIT)
            except (aiohttp.ClientError, TimeoutError):
                body = b""
            finally:
                resp.release()
            raise _upstream_error(resp.status, headers, body)
        return UpstreamStream(resp, headers)


class UpstreamStream:
    """An open upstream stream. Iterate for raw bytes; `close()` drops the connection at once."""

    def __init__(self, resp: aiohttp.ClientResponse, headers: Mapping[str, str]) -> None:
        self._resp = resp
        self.status = resp.status
        self.headers = headers
        self._first: bytes | None = None

    async def prime(self, wait_s: float) -> None:
        """Waits for the first bytes of the body. A stream that answers 200 and then stays silent
        past `wait_s` fails here, while the gateway may still fall back to another target."""
        try:
            async with asyncio.timeout(wait_s):
                self._first = await self._resp.content.readany()
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.close()
            raise _transport_error(exc) from None
        if not self._first:
            self.close()
            raise UpstreamError("upstream closed the stream before sending anything", status=502)

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._first:
            first, self._first = self._first, None
            yield first
        try:
            async for chunk in self._resp.content.iter_any():
                yield chunk
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _transport_error(exc) from None

    def close(self) -> None:
        self._resp.close()


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


_RETRY_DELAY = re.compile(rb'"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"')


def _upstream_error(status: int, headers: Mapping[str, str], body: bytes) -> UpstreamError:
    snippet = body[:300].decode("utf-8", "replace").strip()
    retry_after = parse_retry_after(headers)
    if retry_after is None and (m := _RETRY_DELAY.search(body)):
        retry_after = float(m.group(1))  # Google's hint lives in the body (google.rpc.RetryInfo)
    if status == 400 and b"API_KEY_INVALID" in body:
        status = 401  # Gemini answers a bad key with 400: it is this key's failure, not the request's
    return UpstreamError(
        f"upstream answered {status}: {snippet}" if snippet else f"upstream answered {status}",
        status=status,
        body=body,
        retry_after=retry_after,
        headers=headers,
    )


def _transport_error(exc: BaseException) -> UpstreamError:
    if isinstance(exc, TimeoutError):
        return UpstreamError("upstream timed out", status=504, code="upstream_timeout")
    return UpstreamError(
        f"upstream unreachable: {exc.__class__.__name__}: {exc}", status=502, code="upstream_unreachable"
    )
