"""Time to first byte and to the end, one request at a time, over one keep-alive connection.

wrk times whole responses only, so streaming TTFB is measured here: a blocking socket, the request
bytes prebuilt, no HTTP library. Its own cost (a few microseconds a request) is the same for the
direct and the gateway run, so it cancels out of the added latency.
"""

from __future__ import annotations

import socket
import time


def _request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"host: {host}:{port}", f"content-length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _complete(buffer: bytes, head_end: int) -> bool:
    head = buffer[:head_end].lower()
    body = buffer[head_end + 4 :]
    at = head.find(b"content-length:")
    if at >= 0:
        eol = head.find(b"\r\n", at)
        return len(body) >= int(head[at + 15 : eol if eol > 0 else None])
    return body.endswith(b"0\r\n\r\n")  # chunked: the last chunk


def _status(buffer: bytes) -> int:
    return int(buffer.split(b" ", 2)[1])


def timings(
    url_host: str, port: int, path: str, body: bytes, headers: dict[str, str], count: int, warmup: int = 50
) -> tuple[list[float], list[float]]:
    """`count` sequential requests; (first body byte ms, whole response ms) of each."""
    raw = _request(url_host, port, path, body, headers)
    first: list[float] = []
    total: list[float] = []
    with socket.create_connection((url_host, port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for n in range(warmup + count):
            started = time.perf_counter()
            sock.sendall(raw)
            buffer = b""
            head_end = -1
            first_at = 0.0
            while True:
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("the server closed the connection")
                buffer += data
                if head_end < 0:
                    head_end = buffer.find(b"\r\n\r\n")
                    if head_end < 0:
                        continue
                if not first_at and len(buffer) > head_end + 4:
                    first_at = time.perf_counter()
                if _complete(buffer, head_end):
                    break
            ended = time.perf_counter()
            if _status(buffer) != 200:
                raise RuntimeError(f"{path} answered {buffer[:300]!r}")
            if n >= warmup:
                first.append((first_at - started) * 1000)
                total.append((ended - started) * 1000)
    return first, total
