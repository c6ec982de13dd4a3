"""`omniroute`: serve HTTP (/v1, /mcp, /a2a) or, with `--mcp`, MCP over stdio.

Logs go to stderr; stdout belongs to the MCP stdio protocol. Heavy modules are imported only on
the path that needs them.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import replace

from omniroute_agent import __version__
from omniroute_agent.config import DEFAULT_HOST, DEFAULT_PORT, Settings, build_settings
from omniroute_agent.errors import ConfigError

log = logging.getLogger("omniroute")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="omniroute",
        description="A protocol-first AI gateway: OpenAI-compatible /v1, MCP and A2A over one routing core.",
    )
    parser.add_argument("--mcp", action="store_true", help="serve MCP over stdio instead of HTTP")
    parser.add_argument("--host", help=f"address to bind (default {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, help=f"port to bind, 0 for any free port (default {DEFAULT_PORT})")
    parser.add_argument("--data-dir", help="where the store and key live (default $DATA_DIR or ~/.omniroute)")
    parser.add_argument("--config", help="TOML config file applied to the store at start")
    parser.add_argument(
        "--workers",
        type=_positive,
        default=os.environ.get("OMNIROUTE_WORKERS", "1"),  # a string: argparse checks it like an argument
        help="HTTP worker processes sharing the port, one per core (default 1, or $OMNIROUTE_WORKERS)",
    )
    parser.add_argument(
        "--log-level",
        default=os.environ.get("OMNIROUTE_LOG_LEVEL", "info"),
        choices=["debug", "info", "warning", "error"],
        help="stderr log level (default info)",
    )
    parser.add_argument("--version", action="version", version=f"omniroute {__version__}")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = build_settings(host=args.host, port=args.port, data_dir=args.data_dir, config=args.config)
        settings = replace(settings, workers=args.workers)
        if args.mcp:
            return _serve_stdio(settings)
        return _serve_http(settings)
    except ConfigError as exc:
        print(f"omniroute: error: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _serve_stdio(settings: Settings) -> int:
    """Answers `initialize` first, then opens the runtime (tools/stdio.py)."""
    import gc

    import anyio

    gc.disable()  # the SDK's import builds many objects and frees none: collecting during it is wasted time
    try:
        from omniroute_agent.tools.stdio import serve
    finally:
        gc.enable()
    anyio.run(serve, settings)
    return 0


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of 1 or more")
    return number


def _serve_http(settings: Settings) -> int:
    sock = _bind(settings.host, settings.port)
    settings = replace(settings, port=sock.getsockname()[1])
    if settings.workers > 1:
        from omniroute_agent.workers import supervise

        return supervise(settings, sock, _serve_socket)
    return _serve_socket(settings, sock)


def _serve_socket(settings: Settings, sock: socket.socket) -> int:
    """One server process on a bound socket (the only one, or one of `--workers`)."""
    import uvicorn

    from omniroute_agent.server.app import create_app

    config = uvicorn.Config(
        create_app(settings),
        loop="uvloop",
        http="httptools",
        lifespan="on",
        access_log=False,
        proxy_headers=False,  # a local gateway: no X-Forwarded-* rewriting on every request
        server_header=False,
        log_level="warning",
        timeout_graceful_shutdown=10,
    )
    server = uvicorn.Server(config)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_run_uvicorn(server, sock))
    return 0 if server.started else 1


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # uvloop does not build everywhere (Windows): the stdlib loop serves
        return None
    return uvloop.new_event_loop


async def _run_uvicorn(server: object, sock: socket.socket) -> None:
    import uvicorn

    assert isinstance(server, uvicorn.Server)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.handle_exit, sig, None)
    await server.serve(sockets=[sock])


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot bind {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock
