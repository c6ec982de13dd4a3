"""A GET of a document (a price feed, say) through the gateway's shared aiohttp session, bounded in
size and in time. Failures are typed: `UpstreamError` (502) when the server cannot be reached or
answers an error status, `InvalidRequest` when the document is larger than allowed."""

from __future__ import annotations

import aiohttp

from omniroute_agent.errors import InvalidRequest, UpstreamError

CHUNK = 64 * 1024


async def fetch_bytes(session: aiohttp.ClientSession, url: str, *, max_bytes: int, timeout_s: float = 30.0) -> bytes:
    """The body of `url`, at most `max_bytes` long."""
    received = bytearray()
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout_s)) as resp:
            if resp.status >= 400:
                raise UpstreamError(f"GET {url} answered HTTP {resp.status}", status=502)
            async for chunk in resp.content.iter_chunked(CHUNK):
                received += chunk
                if len(received) > max_bytes:
                    raise InvalidRequest(f"GET {url}: the document is larger than {max_bytes} bytes")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise UpstreamError(f"GET {url} failed: {str(exc) or type(exc).__name__}", status=502) from None
    return bytes(received)
