"""The assembled gateway: store, shared HTTP session, routing table, Gateway and A2A engine.

Both the HTTP server and the MCP stdio server run inside `Runtime.running(settings)`; it opens
everything at start (no network calls) and closes it in reverse order, flushing usage records.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp

from omniroute_agent.a2a.engine import TaskEngine
from omniroute_agent.config import Settings
from omniroute_agent.core.bootstrap import apply_config, load_table
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.providers.executor import Executor
from omniroute_agent.skills import SKILLS
from omniroute_agent.store.crypto import load_cipher
from omniroute_agent.store.sqlite import DB_FILE, SqliteStore

log = logging.getLogger("omniroute")


@dataclass(slots=True)
class Runtime:
    settings: Settings
    store: SqliteStore
    gateway: Gateway
    tasks: TaskEngine

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, settings: Settings) -> AsyncIterator[Runtime]:
        cipher = load_cipher(settings.data_dir, settings.secret_key)
        store = SqliteStore(settings.data_dir / DB_FILE, cipher)
        await store.open()
        try:
            await apply_config(store, cipher, settings)
            table = await load_table(store, cipher, settings)
            connector = aiohttp.TCPConnector(
                limit=0, limit_per_host=0, keepalive_timeout=60, ttl_dns_cache=300
            )
            async with aiohttp.ClientSession(connector=connector, auto_decompress=True) as session:
                server = settings.file.server
                executor = Executor(
                    session,
                    request_timeout=server.request_timeout_s,
                    idle_timeout=server.stream_idle_timeout_s,
                )
                usage = UsageRecorder(store)
                usage.start()
                gateway = Gateway(table, executor, store, usage)
                try:
                    yield cls(settings, store, gateway, TaskEngine(store, gateway, SKILLS))
                finally:
                    await usage.stop()
        finally:
            await store.close()
