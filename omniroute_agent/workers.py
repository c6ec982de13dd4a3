"""`--workers N`: N server processes accepting on one socket, one per core, and their supervisor.

The supervisor binds the port, migrates the store and applies the config once (`prepare_store`),
then forks the workers; the kernel spreads connections over them. A worker that dies is replaced
(a worker dying at start over and over stops the whole server instead of looping). SIGTERM or
SIGINT to the supervisor stops every worker cleanly, each flushing its usage rows.

Each worker keeps its own routing state (cooldowns, circuit breakers, caches), as N gateways
sharing one store would; MCP over HTTP runs stateless so any worker can answer any request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import replace

from omniroute_agent.config import Settings

log = logging.getLogger("omniroute")

QUICK_EXIT_S = 5.0  # a worker that dies sooner than this after its start counts as failing to start
MAX_QUICK_EXITS = 3


def supervise(settings: Settings, sock: socket.socket, serve: Callable[[Settings, socket.socket], int]) -> int:
    from omniroute_agent.runtime import prepare_store

    try:
        asyncio.run(prepare_store(settings))
    except Exception as exc:
        log.error("cannot open the store in %s: %s", settings.data_dir, exc)
        sock.close()
        return 1
    settings = replace(settings, store_prepared=True)
    started: dict[int, float] = {}
    stopping = False

    def start_worker() -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                code = serve(settings, sock)
            except BaseException:
                log.exception("worker %d failed", os.getpid())
            finally:
                logging.shutdown()
                os._exit(code)
        started[pid] = time.monotonic()

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(started):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(settings.workers):
        start_worker()
    log.info("omniroute supervising %d workers (pids %s)", settings.workers, ", ".join(map(str, started)))
    quick_exits = 0
    code = 0
    while started:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        began = started.pop(pid, None)
        if began is None or stopping:
            continue
        exit_code = os.waitstatus_to_exitcode(status)
        quick_exits = quick_exits + 1 if time.monotonic() - began < QUICK_EXIT_S else 0
        if quick_exits >= MAX_QUICK_EXITS:
            log.error("workers keep exiting at start (last: %d with %s); stopping", pid, exit_code)
            code = 1
            stop(signal.SIGTERM, None)
            continue
        log.warning("worker %d exited with %s; starting another", pid, exit_code)
        start_worker()
    sock.close()
    return code
