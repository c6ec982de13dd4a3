"""The instant fake upstream of the benchmark: fixed OpenAI Chat answers on loopback.

nginx when it is installed (one worker, `return` with the body inlined, so no file I/O per
request), else a lean uvloop protocol server with prebuilt responses. Both serve the same paths:

    POST /json/v1/chat/completions     the wire fixture's chat completion (200)
    POST /sse/v1/chat/completions      a 31-event SSE stream: role, 28 content deltas, finish,
                                       usage, then [DONE]
    POST /r429/v1/chat/completions     the fixture's 429 with Retry-After: 1
    POST /flaky/v1/chat/completions    the fixture's 500 for one request in ten, else the JSON

The bodies come from tests/wire/openai-chat, so the gateway parses exactly what OpenAI sends.
"""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
WIRE = ROOT / "tests" / "wire" / "openai-chat"
CONTENT_EVENTS = 28
FLAKY_PERCENT = 10


@dataclass(frozen=True)
class Bodies:
    json: bytes
    sse: bytes
    limited: bytes
    failed: bytes


def bodies() -> Bodies:
    answer = json.dumps(json.loads((WIRE / "text.response.json").read_bytes()), separators=(",", ":")).encode()
    return Bodies(
        json=answer,
        sse=sse_body(),
        limited=json.dumps(json.loads((WIRE / "error-429.json").read_bytes()), separators=(",", ":")).encode(),
        failed=json.dumps(json.loads((WIRE / "error-500.json").read_bytes()), separators=(",", ":")).encode(),
    )


def sse_body() -> bytes:
    """The fixture stream's first chunk as the template; its text spread over 28 content deltas."""
    first = (WIRE / "text.stream.sse").read_text().split("\n\n")[0]
    template = json.loads(first.removeprefix("data: "))
    template.pop("obfuscation", None)

    def chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        return {**template, "choices": [choice], "usage": None}

    events = [chunk({"role": "assistant", "content": "", "refusal": None})]
    events += [chunk({"content": f" token{n}"}) for n in range(CONTENT_EVENTS)]
    events.append(chunk({}, "stop"))
    usage = {"prompt_tokens": 27, "completion_tokens": CONTENT_EVENTS, "total_tokens": 27 + CONTENT_EVENTS}
    events.append({**template, "choices": [], "usage": usage})
    lines = [f"data: {json.dumps(e, separators=(',', ':'))}\n\n" for e in events]
    return ("".join(lines) + "data: [DONE]\n\n").encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_conf(port: int, work: Path, b: Bodies) -> str:
    """nginx answers POST to a static file with 405; `error_page 405 =CODE $uri` re-enters the same
    location as a GET and serves the file with CODE (a `return` string is capped at 4 KB)."""
    for name, body in (("json", b.json), ("sse", b.sse), ("limited", b.limited), ("failed", b.failed)):
        (work / f"{name}.body").write_bytes(body)
    temp = "\n".join(
        f"    {name}_temp_path {work / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )

    def serve(name: str, media: str, code: int = 200) -> str:
        return f"alias {work / name}.body; default_type {media}; error_page 405 ={code} $uri;"

    return f"""
daemon off;
worker_processes 1;
pid {work / "nginx.pid"};
events {{ worker_connections 8192; multi_accept on; }}
http {{
    access_log off;
{temp}
    open_file_cache max=16 inactive=1h;
    open_file_cache_valid 1h;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    client_body_buffer_size 64k;
    split_clients "${{request_id}}" $flaky {{ {FLAKY_PERCENT}% fail; * ok; }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = /json/v1/chat/completions {{ {serve("json", "application/json")} }}
        location = /sse/v1/chat/completions {{ {serve("sse", "text/event-stream")} }}
        location = /r429/v1/chat/completions {{
            {serve("limited", "application/json", 429)}
            add_header retry-after 1 always;
        }}
        location = /flaky/v1/chat/completions {{
            if ($flaky = fail) {{ rewrite ^ /fail500 last; }}
            {serve("json", "application/json")}
        }}
        location = /fail500 {{ internal; {serve("failed", "application/json", 500)} }}
    }}
}}
"""


class Upstream:
    """Starts the fake on a free loopback port, pinned to `cpu` when given; `kind` says which."""

    def __init__(self, cpu: int | None) -> None:
        self.cpu = cpu
        self.port = free_port()
        self.kind = "nginx" if shutil.which("nginx") else "python"
        self.bodies = bodies()
        self._proc: subprocess.Popen[bytes] | None = None
        self._work = Path(tempfile.mkdtemp(prefix="omniroute-bench-nginx-"))
        self._work.chmod(0o755)  # nginx workers run as an unprivileged user when started by root

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        pin = ["taskset", "-c", str(self.cpu)] if self.cpu is not None and shutil.which("taskset") else []
        if self.kind == "nginx":
            conf = self._work / "nginx.conf"
            conf.write_text(nginx_conf(self.port, self._work, self.bodies))
            command = [*pin, "nginx", "-c", str(conf), "-p", str(self._work), "-e", str(self._work / "error.log")]
        else:
            command = [*pin, sys.executable, str(Path(__file__)), str(self.port)]
        self._proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise RuntimeError(f"fake upstream ({self.kind}) exited: {err.strip()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"fake upstream ({self.kind}) did not start")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGQUIT if self.kind == "nginx" else signal.SIGTERM)
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
        if self._proc is not None and self._proc.stderr is not None:
            self._proc.stderr.close()
        shutil.rmtree(self._work, ignore_errors=True)


# The lean fallback: one process, uvloop, prebuilt responses, HTTP/1.1 keep-alive.


def _response(status: int, reason: str, media: str, body: bytes, extra: str = "") -> bytes:
    head = f"HTTP/1.1 {status} {reason}\r\ncontent-type: {media}\r\ncontent-length: {len(body)}\r\n{extra}\r\n"
    return head.encode() + body


class _Lean(asyncio.Protocol):
    answers: ClassVar[dict[bytes, bytes]] = {}
    failed = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            length = 0
            at = head.find(b"content-length:")
            if at >= 0:
                length = int(head[at + 15 : head.find(b"\r\n", at) if head.find(b"\r\n", at) > 0 else None])
            if len(self.buffer) < end + 4 + length:
                return
            path = head.split(b" ", 2)[1]
            self.buffer = self.buffer[end + 4 + length :]
            answer = self.answers.get(path) or _response(404, "Not Found", "text/plain", b"no such path")
            if path.startswith(b"/flaky/") and random.randrange(100) < FLAKY_PERCENT:
                answer = self.failed
            self.transport.write(answer)  # type: ignore[attr-defined]


def serve_lean(port: int) -> None:
    b = bodies()
    route = "/v1/chat/completions"
    _Lean.answers = {
        f"/json{route}".encode(): _response(200, "OK", "application/json", b.json),
        f"/sse{route}".encode(): _response(200, "OK", "text/event-stream", b.sse),
        f"/r429{route}".encode(): _response(
            429, "Too Many Requests", "application/json", b.limited, "retry-after: 1\r\n"
        ),
        f"/flaky{route}".encode(): _response(200, "OK", "application/json", b.json),
    }
    _Lean.failed = _response(500, "Internal Server Error", "application/json", b.failed)
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(_Lean, "127.0.0.1", port, backlog=4096))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    serve_lean(int(sys.argv[1]))
