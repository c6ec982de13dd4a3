"""The embedded default store: one SQLite file in the data dir, WAL, migrations applied on open."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from omniroute_agent import json_codec
from omniroute_agent.store.base import (
    ApiKeyRow,
    AuditRow,
    BudgetRow,
    ComboRow,
    ConnectionRow,
    MemoryRow,
    PriceRow,
    ProviderRow,
    TaskRow,
    UsageRow,
)
from omniroute_agent.store.crypto import Cipher
from omniroute_agent.store.migrations import MIGRATIONS

DB_FILE = "omniroute.db"
# Column lists and group expressions are constants of this module: the f-strings below that use
# them interpolate no caller input (S608 is silenced there for that reason).
_USAGE_COLUMNS = (
    "request_id, ts, surface, model, target, connection_id, status, prompt_tokens, completion_tokens, "
    "latency_ms, stream, error, attempts, cost_usd, combo, api_key_id, cached_tokens, reasoning_tokens"
)
_GROUPS = {
    "provider": "substr(target, 1, instr(target, '/') - 1)",
    "model": "target",
    "combo": "combo",
    "key": "api_key_id",
    "surface": "surface",
}


def statements(script: str) -> list[str]:
    """A migration script as single statements (a trigger body's `;` does not end its statement)."""
    out: list[str] = []
    buffer = ""
    for piece in script.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                out.append(buffer.strip())
            buffer = ""
    return out


class SqliteStore:
    def __init__(self, path: Path, cipher: Cipher) -> None:
        self.path = path
        self._cipher = cipher
        self._db: aiosqlite.Connection | None = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("store is not open")
        return self._db

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = await aiosqlite.connect(self.path, timeout=30)
        await self._db.execute("PRAGMA journal_mode=WAL")
        await self._db.execute("PRAGMA synchronous=NORMAL")
        await self._db.execute("PRAGMA busy_timeout=30000")
        await self._migrate()

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def _migrate(self) -> None:
        # BEGIN IMMEDIATE serialises two processes (HTTP server and an MCP stdio server) opening at once.
        await self.db.execute("BEGIN IMMEDIATE")
        try:
            async with self.db.execute("PRAGMA user_version") as cur:
                row = await cur.fetchone()
            version = int(row[0]) if row else 0
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements(script):
                    await self.db.execute(statement)
                await self.db.execute(f"PRAGMA user_version = {number}")
            await self.db.commit()
        except BaseException:
            await self.db.rollback()
            raise

    async def ping(self) -> bool:
        async with self.db.execute("SELECT 1") as cur:
            return await cur.fetchone() is not None

    async def schema_version(self) -> int:
        async with self.db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # configuration

    async def upsert_provider(self, row: ProviderRow) -> None:
        await self.db.execute(
            "INSERT INTO providers (id, format, base_url, models, aliases, options) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET format=excluded.format, "
            "base_url=excluded.base_url, models=excluded.models, aliases=excluded.aliases, "
            "options=excluded.options",
            (
                row.id,
                row.format,
                row.base_url,
                json.dumps(row.models),
                json.dumps(row.aliases),
                json.dumps(row.options),
            ),
        )
        await self.db.commit()

    async def list_providers(self) -> list[ProviderRow]:
        async with self.db.execute(
            "SELECT id, format, base_url, models, aliases, options FROM providers ORDER BY id"
        ) as cur:
            return [
                ProviderRow(r[0], r[1], r[2], json.loads(r[3]), json.loads(r[4]), json.loads(r[5])) async for r in cur
            ]

    async def upsert_connection(self, row: ConnectionRow) -> None:
        sealed = self._cipher.encrypt(row.secret, context=row.id)
        await self.db.execute(
            "INSERT INTO connections (id, provider_id, secret_enc, label, enabled, priority) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET provider_id=excluded.provider_id, "
            "secret_enc=excluded.secret_enc, "
            "label=excluded.label, enabled=excluded.enabled, priority=excluded.priority",
            (row.id, row.provider_id, sealed, row.label, int(row.enabled), row.priority),
        )
        await self.db.commit()

    async def list_connections(self) -> list[ConnectionRow]:
        async with self.db.execute(
            "SELECT id, provider_id, secret_enc, label, enabled, priority FROM connections "
            "ORDER BY provider_id, priority, rowid"
        ) as cur:
            return [
                ConnectionRow(r[0], r[1], self._cipher.decrypt(r[2], context=r[0]), r[3], bool(r[4]), r[5])
                async for r in cur
            ]

    async def upsert_combo(self, row: ComboRow) -> None:
        await self.db.execute(
            "INSERT INTO combos (name, strategy, models, config) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(name) DO UPDATE SET strategy=excluded.strategy, models=excluded.models, "
            "config=excluded.config",
            (row.name, row.strategy, json.dumps(row.models), json.dumps(row.config)),
        )
        await self.db.commit()

    async def list_combos(self) -> list[ComboRow]:
        async with self.db.execute("SELECT name, strategy, models, config FROM combos ORDER BY rowid") as cur:
            return [ComboRow(r[0], r[1], json.loads(r[2]), json.loads(r[3])) async for r in cur]

    async def delete_combo(self, name: str) -> bool:
        cur = await self.db.execute("DELETE FROM combos WHERE name = ?", (name,))
        await self.db.commit()
        return cur.rowcount > 0

    async def upsert_api_key(self, row: ApiKeyRow) -> None:
        await self.db.execute(
            "INSERT INTO api_keys (id, key_hash, label, scopes) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET key_hash=excluded.key_hash, label=excluded.label, scopes=excluded.scopes",
            (row.id, row.key_hash, row.label, json.dumps(row.scopes)),
        )
        await self.db.commit()

    async def list_api_keys(self) -> list[ApiKeyRow]:
        async with self.db.execute("SELECT id, key_hash, label, scopes FROM api_keys ORDER BY rowid") as cur:
            return [ApiKeyRow(r[0], r[1], r[2], json.loads(r[3])) async for r in cur]

    # usage

    async def add_usage(self, rows: Sequence[UsageRow]) -> None:
        await self.db.executemany(
            f"INSERT INTO usage ({_USAGE_COLUMNS}) VALUES ({', '.join('?' * 18)})",  # noqa: S608
            [
                (
                    r.request_id,
                    r.ts,
                    r.surface,
                    r.model,
                    r.target,
                    r.connection_id,
                    r.status,
                    r.prompt_tokens,
                    r.completion_tokens,
                    r.latency_ms,
                    int(r.stream),
                    r.error,
                    json_codec.dumps_str(r.attempts),
                    r.cost_usd,
                    r.combo,
                    r.api_key_id,
                    r.cached_tokens,
                    r.reasoning_tokens,
                )
                for r in rows
            ],
        )
        await self.db.commit()

    async def list_usage(self, *, limit: int = 100) -> list[UsageRow]:
        return await self._usage_rows(
            f"SELECT {_USAGE_COLUMNS} FROM usage ORDER BY seq DESC LIMIT ?",  # noqa: S608
            (limit,),
        )

    async def usage_for_request(self, request_id: str) -> list[UsageRow]:
        return await self._usage_rows(
            f"SELECT {_USAGE_COLUMNS} FROM usage WHERE request_id = ? ORDER BY seq",  # noqa: S608
            (request_id,),
        )

    async def _usage_rows(self, sql: str, args: tuple[object, ...]) -> list[UsageRow]:
        async with self.db.execute(sql, args) as cur:
            return [
                UsageRow(
                    r[0],
                    r[1],
                    r[2],
                    r[3],
                    r[4],
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    bool(r[10]),
                    r[11],
                    json.loads(r[12]),
                    r[13],
                    r[14],
                    r[15],
                    r[16],
                    r[17],
                )
                async for r in cur
            ]

    async def spent_usd(self, *, since: float, combo: str | None = None, api_key_id: str | None = None) -> float:
        sql = "SELECT COALESCE(SUM(cost_usd), 0) FROM usage WHERE ts >= ?"
        args: list[object] = [since]
        if combo is not None:
            sql, args = sql + " AND combo = ?", [*args, combo]
        if api_key_id is not None:
            sql, args = sql + " AND api_key_id = ?", [*args, api_key_id]
        async with self.db.execute(sql, args) as cur:
            row = await cur.fetchone()
        return float(row[0]) if row else 0.0

    async def usage_totals(self, *, since: float, group_by: str) -> list[dict[str, Any]]:
        column = _GROUPS[group_by]
        sql = (
            f"SELECT {column} AS k, COUNT(*), SUM(status = 200), SUM(prompt_tokens), "  # noqa: S608
            "SUM(completion_tokens), "
            "SUM(cached_tokens), SUM(reasoning_tokens), SUM(cost_usd) FROM usage WHERE ts >= ? "
            "GROUP BY k ORDER BY SUM(cost_usd) DESC, COUNT(*) DESC"
        )
        async with self.db.execute(sql, (since,)) as cur:
            return [
                {
                    group_by: r[0],
                    "requests": r[1],
                    "succeeded": r[2] or 0,
                    "prompt_tokens": r[3] or 0,
                    "completion_tokens": r[4] or 0,
                    "cached_tokens": r[5] or 0,
                    "reasoning_tokens": r[6] or 0,
                    "cost_usd": round(r[7] or 0.0, 6),
                }
                async for r in cur
            ]

    async def cost_by_day(self, *, since: float) -> list[tuple[float, str | None, str | None, float]]:
        """(UTC day start, combo, key id, USD) for every day since `since`: seeds the budget ledger."""
        async with self.db.execute(
            "SELECT CAST(ts / 86400 AS INTEGER) * 86400 AS day, combo, api_key_id, SUM(cost_usd) FROM usage "
            "WHERE ts >= ? AND cost_usd > 0 GROUP BY day, combo, api_key_id",
            (since,),
        ) as cur:
            return [(float(r[0]), r[1], r[2], float(r[3])) async for r in cur]

    # routing state that survives restarts (cooldowns, breakers, last known good targets)

    async def get_state(self, key: str) -> dict[str, Any] | None:
        async with self.db.execute("SELECT value FROM router_state WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return None if row is None else dict(json.loads(row[0]))

    async def put_state(self, items: dict[str, dict[str, Any]]) -> None:
        now = time.time()
        await self.db.executemany(
            "INSERT INTO router_state (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value=excluded.value, updated_at=excluded.updated_at",
            [(key, json.dumps(value), now) for key, value in items.items()],
        )
        await self.db.commit()

    # pricing and budgets

    async def upsert_price(self, row: PriceRow) -> None:
        await self.db.execute(
            "INSERT INTO pricing (model, input, output, cached_input, context_window, source) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(model) DO UPDATE SET input=excluded.input, "
            "output=excluded.output, cached_input=excluded.cached_input, "
            "context_window=excluded.context_window, source=excluded.source",
            (row.model, row.input, row.output, row.cached_input, row.context_window, row.source),
        )
        await self.db.commit()

    async def list_prices(self) -> list[PriceRow]:
        async with self.db.execute(
            "SELECT model, input, output, cached_input, context_window, source FROM pricing ORDER BY model"
        ) as cur:
            return [PriceRow(r[0], r[1], r[2], r[3], r[4], r[5]) async for r in cur]

    async def upsert_budget(self, row: BudgetRow) -> None:
        await self.db.execute(
            "INSERT INTO budgets (id, scope, period, limit_usd, action, degrade_to) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET scope=excluded.scope, "
            "period=excluded.period, limit_usd=excluded.limit_usd, action=excluded.action, "
            "degrade_to=excluded.degrade_to",
            (row.id, row.scope, row.period, row.limit_usd, row.action, row.degrade_to),
        )
        await self.db.commit()

    async def list_budgets(self) -> list[BudgetRow]:
        async with self.db.execute(
            "SELECT id, scope, period, limit_usd, action, degrade_to FROM budgets ORDER BY id"
        ) as cur:
            return [BudgetRow(r[0], r[1], r[2], r[3], r[4], r[5]) async for r in cur]

    async def delete_budget(self, budget_id: str) -> bool:
        cur = await self.db.execute("DELETE FROM budgets WHERE id = ?", (budget_id,))
        await self.db.commit()
        return cur.rowcount > 0

    # A2A tasks

    async def save_task(self, row: TaskRow) -> None:
        await self.db.execute(
            "INSERT INTO a2a_tasks (id, context_id, state, skill, created_at, updated_at, body, owner) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET state=excluded.state, "
            "updated_at=excluded.updated_at, body=excluded.body",
            (
                row.id,
                row.context_id,
                row.state,
                row.skill,
                row.created_at,
                row.updated_at,
                json.dumps(row.body),
                row.owner,
            ),
        )
        await self.db.commit()

    async def get_task(self, task_id: str) -> TaskRow | None:
        async with self.db.execute(
            "SELECT id, context_id, state, skill, created_at, updated_at, body, owner FROM a2a_tasks WHERE id = ?",
            (task_id,),
        ) as cur:
            r = await cur.fetchone()
        return None if r is None else TaskRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7])

    async def list_tasks(self, *, owner: str | None = None, skill: str | None = None, limit: int = 50) -> list[TaskRow]:
        sql = "SELECT id, context_id, state, skill, created_at, updated_at, body, owner FROM a2a_tasks WHERE 1 = 1"
        args: list[object] = []
        if owner is not None:
            sql, args = sql + " AND owner = ?", [*args, owner]
        if skill is not None:
            sql, args = sql + " AND skill = ?", [*args, skill]
        async with self.db.execute(sql + " ORDER BY updated_at DESC LIMIT ?", [*args, limit]) as cur:
            return [TaskRow(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7]) async for r in cur]

    async def save_push_config(self, task_id: str, config_id: str, body: dict[str, Any]) -> None:
        """Push configs hold webhook tokens and credentials: sealed like provider keys."""
        await self.db.execute(
            "INSERT INTO a2a_push_configs (task_id, id, body, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(task_id, id) DO UPDATE SET body=excluded.body",
            (task_id, config_id, self._cipher.encrypt(json.dumps(body), context=f"push:{task_id}"), time.time()),
        )
        await self.db.commit()

    async def list_push_configs(self, task_id: str) -> list[dict[str, Any]]:
        async with self.db.execute(
            "SELECT body FROM a2a_push_configs WHERE task_id = ? ORDER BY created_at", (task_id,)
        ) as cur:
            return [dict(json.loads(self._cipher.decrypt(r[0], context=f"push:{task_id}"))) async for r in cur]

    async def delete_push_config(self, task_id: str, config_id: str) -> bool:
        cur = await self.db.execute("DELETE FROM a2a_push_configs WHERE task_id = ? AND id = ?", (task_id, config_id))
        await self.db.commit()
        return cur.rowcount > 0

    async def prune_tasks(self, *, older_than: float, states: Sequence[str]) -> int:
        marks = ", ".join("?" * len(states))
        cur = await self.db.execute(
            f"DELETE FROM a2a_tasks WHERE updated_at < ? AND state IN ({marks})",  # noqa: S608  (only '?' marks)
            (older_than, *states),
        )
        await self.db.commit()
        return cur.rowcount

    # MCP audit

    async def add_audit(self, rows: Sequence[AuditRow]) -> None:
        await self.db.executemany(
            "INSERT INTO mcp_audit (ts, tool, key_id, transport, input_hash, output_summary, duration_ms, success, "
            "error_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.ts,
                    r.tool,
                    r.key_id,
                    r.transport,
                    r.input_hash,
                    r.output_summary,
                    r.duration_ms,
                    int(r.success),
                    r.error_code,
                )
                for r in rows
            ],
        )
        await self.db.commit()

    async def list_audit(
        self,
        *,
        tool: str | None = None,
        key_id: str | None = None,
        success: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[AuditRow]:
        sql = (
            "SELECT ts, tool, key_id, transport, input_hash, output_summary, duration_ms, success, error_code "
            "FROM mcp_audit WHERE 1 = 1"
        )
        args: list[object] = []
        for column, value in (("tool", tool), ("key_id", key_id)):
            if value is not None:
                sql, args = sql + f" AND {column} = ?", [*args, value]
        if success is not None:
            sql, args = sql + " AND success = ?", [*args, int(success)]
        async with self.db.execute(sql + " ORDER BY seq DESC LIMIT ? OFFSET ?", [*args, limit, offset]) as cur:
            return [AuditRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8]) async for r in cur]

    async def audit_stats(self) -> list[dict[str, Any]]:
        async with self.db.execute(
            "SELECT tool, COUNT(*), SUM(success = 0), AVG(duration_ms), MAX(ts) FROM mcp_audit GROUP BY tool "
            "ORDER BY COUNT(*) DESC"
        ) as cur:
            return [
                {
                    "tool": r[0],
                    "calls": r[1],
                    "errors": r[2] or 0,
                    "avg_duration_ms": round(r[3] or 0.0, 3),
                    "last_call": r[4],
                }
                async for r in cur
            ]

    # memory, bound to an owner (a gateway key id)

    async def add_memory(self, owner: str, text: str, tags: str) -> MemoryRow:
        now = time.time()
        cur = await self.db.execute(
            "INSERT INTO memory (owner, text, tags, created_at) VALUES (?, ?, ?, ?)", (owner, text, tags, now)
        )
        await self.db.commit()
        return MemoryRow(int(cur.lastrowid or 0), owner, text, tags, now)

    async def search_memory(self, owner: str, query: str, *, limit: int = 10) -> list[MemoryRow]:
        words = [w for w in "".join(c if c.isalnum() else " " for c in query).split() if w]
        if not words:
            sql, args = (
                ("SELECT id, owner, text, tags, created_at FROM memory WHERE owner = ? ORDER BY id DESC LIMIT ?"),
                (owner, limit),
            )
        else:
            match = " OR ".join(f'"{w}"' for w in words)  # quoted terms: the query language never reaches FTS
            sql = (
                "SELECT m.id, m.owner, m.text, m.tags, m.created_at FROM memory_fts f JOIN memory m "
                "ON m.id = f.rowid WHERE memory_fts MATCH ? AND m.owner = ? ORDER BY rank LIMIT ?"
            )
            args = (match, owner, limit)  # type: ignore[assignment]
        async with self.db.execute(sql, args) as cur:
            return [MemoryRow(r[0], r[1], r[2], r[3], r[4]) async for r in cur]

    async def clear_memory(self, owner: str) -> int:
        cur = await self.db.execute("DELETE FROM memory WHERE owner = ?", (owner,))
        await self.db.commit()
        return cur.rowcount

    async def skill_settings(self, owner: str) -> dict[str, bool]:
        async with self.db.execute("SELECT skill, enabled FROM skill_settings WHERE owner = ?", (owner,)) as cur:
            return {r[0]: bool(r[1]) async for r in cur}

    async def set_skill_enabled(self, owner: str, skill: str, enabled: bool) -> None:
        await self.db.execute(
            "INSERT INTO skill_settings (owner, skill, enabled) VALUES (?, ?, ?) "
            "ON CONFLICT(owner, skill) DO UPDATE SET enabled=excluded.enabled",
            (owner, skill, int(enabled)),
        )
        await self.db.commit()

    # database health

    async def integrity_check(self) -> list[str]:
        async with self.db.execute("PRAGMA integrity_check") as cur:
            return [str(r[0]) async for r in cur]

    async def backup(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.db.execute("VACUUM INTO ?", (str(path),))

    async def repair(self) -> None:
        await self.db.execute("REINDEX")
        await self.db.commit()
        await self.db.execute("VACUUM")
