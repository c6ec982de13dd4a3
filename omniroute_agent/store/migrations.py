"""Versioned schema. Each entry runs once, in order, inside a transaction; `PRAGMA user_version`
records how far a database has come. Append new versions; never edit a released one."""

MIGRATIONS: tuple[str, ...] = (
    # 1: configuration, usage, A2A tasks
    """
    CREATE TABLE providers (
        id TEXT PRIMARY KEY,
        format TEXT NOT NULL,
        base_url TEXT NOT NULL,
        models TEXT NOT NULL DEFAULT '[]',
        aliases TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        provider_id TEXT NOT NULL,
        secret_enc TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        enabled INTEGER NOT NULL DEFAULT 1,
        priority INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX connections_provider ON connections(provider_id);
    CREATE TABLE combos (
        name TEXT PRIMARY KEY,
        strategy TEXT NOT NULL,
        models TEXT NOT NULL
    );
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        key_hash TEXT NOT NULL UNIQUE,
        label TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE usage (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        request_id TEXT NOT NULL,
        ts REAL NOT NULL,
        surface TEXT NOT NULL,
        model TEXT NOT NULL,
        target TEXT,
        connection_id TEXT,
        status INTEGER NOT NULL,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        latency_ms REAL NOT NULL DEFAULT 0,
        stream INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        attempts TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX usage_request ON usage(request_id);
    CREATE INDEX usage_ts ON usage(ts);
    CREATE TABLE a2a_tasks (
        id TEXT PRIMARY KEY,
        context_id TEXT NOT NULL,
        state TEXT NOT NULL,
        skill TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        body TEXT NOT NULL
    );
    CREATE INDEX a2a_tasks_context ON a2a_tasks(context_id);
    """,
    # 2: routing state that survives restarts, cost and identity on usage rows, pricing, budgets
    """
    ALTER TABLE usage ADD COLUMN cost_usd REAL NOT NULL DEFAULT 0;
    ALTER TABLE usage ADD COLUMN combo TEXT;
    ALTER TABLE usage ADD COLUMN api_key_id TEXT;
    ALTER TABLE usage ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE usage ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX usage_combo_ts ON usage(combo, ts);
    CREATE INDEX usage_key_ts ON usage(api_key_id, ts);
    ALTER TABLE combos ADD COLUMN config TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE providers ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
    CREATE TABLE router_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE pricing (
        model TEXT PRIMARY KEY,
        input REAL,
        output REAL,
        cached_input REAL,
        context_window INTEGER,
        source TEXT NOT NULL
    );
    CREATE TABLE budgets (
        id TEXT PRIMARY KEY,
        scope TEXT NOT NULL,
        period TEXT NOT NULL,
        limit_usd REAL NOT NULL,
        action TEXT NOT NULL,
        degrade_to TEXT
    );
    """,
    # 3: MCP (key scopes, audit, memory, skill settings) and task owners
    """
    ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '["*"]';
    ALTER TABLE a2a_tasks ADD COLUMN owner TEXT;
    CREATE INDEX a2a_tasks_owner ON a2a_tasks(owner, updated_at);
    CREATE TABLE mcp_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts REAL NOT NULL,
        tool TEXT NOT NULL,
        key_id TEXT,
        transport TEXT NOT NULL,
        input_hash TEXT NOT NULL,
        output_summary TEXT NOT NULL DEFAULT '',
        duration_ms REAL NOT NULL,
        success INTEGER NOT NULL,
        error_code TEXT
    );
    CREATE INDEX mcp_audit_tool_ts ON mcp_audit(tool, ts);
    CREATE TABLE memory (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        owner TEXT NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL
    );
    CREATE INDEX memory_owner ON memory(owner);
    CREATE VIRTUAL TABLE memory_fts USING fts5(text, tags, content='memory', content_rowid='id');
    CREATE TRIGGER memory_ai AFTER INSERT ON memory BEGIN
        INSERT INTO memory_fts(rowid, text, tags) VALUES (new.id, new.text, new.tags);
    END;
    CREATE TRIGGER memory_ad AFTER DELETE ON memory BEGIN
        INSERT INTO memory_fts(memory_fts, rowid, text, tags) VALUES ('delete', old.id, old.text, old.tags);
    END;
    CREATE TABLE skill_settings (
        owner TEXT NOT NULL,
        skill TEXT NOT NULL,
        enabled INTEGER NOT NULL,
        PRIMARY KEY (owner, skill)
    );
    """,
    # 4: A2A push notification configs
    """
    CREATE TABLE a2a_push_configs (
        task_id TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (task_id, id)
    );
    """,
)
