"""Settings, built once at start from flags, environment and the TOML file, then passed in.

The file is validated as a whole before anything is applied; a problem stops start-up with one
line that names the file, the line and what is wrong (`ConfigError`).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from omniroute_agent.core import scopes
from omniroute_agent.core.strategies import STRATEGIES
from omniroute_agent.errors import ConfigError
from omniroute_agent.formats import Format
from omniroute_agent.providers.catalog import CATALOG

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 20128
AccountStrategy = Literal["fill-first", "round-robin", "p2c", "random", "least-used"]

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
ComboName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSection(_Strict):
    host: str | None = None
    port: Annotated[int, Field(ge=0, le=65535)] | None = None
    api_keys: list[Annotated[str, StringConstraints(min_length=8)]] = []
    default_model: str | None = None
    request_timeout_s: Annotated[float, Field(gt=0)] = 600.0
    stream_idle_timeout_s: Annotated[float, Field(gt=0)] = 120.0
    claude_code_bypass: bool = False  # answer Claude Code's warmup / quota / title probes locally


class ProviderSection(_Strict):
    id: Ident
    format: Format | None = None
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://")] | None = None
    api_keys: list[Annotated[str, StringConstraints(min_length=1)]] = []
    models: list[str] = []
    aliases: list[Ident] = []
    account_strategy: AccountStrategy | None = None  # fill-first | round-robin | p2c | random | least-used


class ComboSection(_Strict):
    name: ComboName
    strategy: str = "priority"
    models: Annotated[list[str], Field(min_length=1)]
    weights: list[Annotated[float, Field(ge=0)]] | None = None
    retries_per_target: Annotated[int, Field(ge=0, le=20)] | None = None
    max_attempts: Annotated[int, Field(ge=1, le=100)] | None = None
    timeout_s: Annotated[float, Field(gt=0)] | None = None

    def config(self) -> dict[str, Any]:
        keys = ("weights", "retries_per_target", "max_attempts", "timeout_s")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


class PriceSection(_Strict):
    model: str
    input: Annotated[float, Field(ge=0)]
    output: Annotated[float, Field(ge=0)]
    cached_input: Annotated[float, Field(ge=0)] | None = None
    cache_write: Annotated[float, Field(ge=0)] | None = None
    reasoning: Annotated[float, Field(ge=0)] | None = None
    context_window: Annotated[int, Field(gt=0)] | None = None


class BudgetSection(_Strict):
    scope: str  # global | key:<key id> | combo:<name>
    period: Literal["day", "week", "month"] = "day"
    limit_usd: Annotated[float, Field(gt=0)]
    action: Literal["block", "degrade"] = "block"
    degrade_to: str | None = None


class RoutingSection(_Strict):
    account_strategy: AccountStrategy = "round-robin"
    sticky: Annotated[int, Field(ge=1, le=1000)] = 1
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 12
    wait_for_cooldown_s: Annotated[float, Field(ge=0, le=60)] = 2.0
    breaker_failures: Annotated[int, Field(ge=1, le=1000)] = 5
    breaker_open_s: Annotated[float, Field(gt=0)] = 30.0
    exploration: Annotated[float, Field(ge=0, le=1)] = 0.05
    idempotency_window_s: Annotated[float, Field(ge=0)] = 600.0


class KeySection(_Strict):
    """A gateway key with its own scopes (see core/scopes.py); `[server] api_keys` hold every scope."""

    key: Annotated[str, StringConstraints(min_length=8)]
    label: str = ""
    scopes: Annotated[list[str], Field(min_length=1)] = ["*"]


class McpSection(_Strict):
    stdio_scopes: list[str] = ["*"]  # what a local IDE spawning `omniroute --mcp` may do
    heartbeat_s: Annotated[float, Field(gt=0)] = 10.0
    roles: dict[str, str] = {}  # task role ("coding", "chat", ...) → the model or combo omniroute_route_request picks


class A2aSection(_Strict):
    push_enabled: bool = True  # tasks/pushNotificationConfig/* and webhook notifications
    push_allow_private: bool = False  # allow webhooks on loopback, private and link-local addresses
    push_max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    push_backoff_s: Annotated[float, Field(ge=0, le=60)] = 0.5  # first retry delay, doubled per retry
    retention_days: Annotated[float, Field(gt=0)] = 30  # terminal tasks older than this are pruned


class ConfigFile(_Strict):
    server: ServerSection = ServerSection()
    keys: list[KeySection] = []
    mcp: McpSection = McpSection()
    a2a: A2aSection = A2aSection()
    routing: RoutingSection = RoutingSection()
    providers: list[ProviderSection] = []
    combos: list[ComboSection] = []
    pricing: list[PriceSection] = []
    budgets: list[BudgetSection] = []


@dataclass(frozen=True, slots=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=lambda: default_data_dir(os.environ))
    config_path: Path | None = None
    file: ConfigFile = field(default_factory=ConfigFile)
    env_provider_keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    secret_key: str | None = None  # base64 AES key from OMNIROUTE_SECRET_KEY; else the data dir key file
    workers: int = 1  # HTTP worker processes (`--workers`)
    store_prepared: bool = False  # a supervisor already migrated the store and applied the config


def default_data_dir(env: Mapping[str, str]) -> Path:
    return Path(env["DATA_DIR"]).expanduser() if env.get("DATA_DIR") else Path.home() / ".omniroute"


def provider_keys_from_env(env: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """`OPENAI_API_KEY=...` and friends become connections of the catalog provider that names them."""
    found: dict[str, tuple[str, ...]] = {}
    for spec in CATALOG.values():
        keys = tuple(dict.fromkeys(env[name] for name in spec.env_keys if env.get(name)))
        if keys:
            found[spec.id] = keys
    return found


def build_settings(
    *,
    host: str | None = None,
    port: int | None = None,
    data_dir: str | None = None,
    config: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    env = os.environ if env is None else env
    config_path = Path(config).expanduser() if config else None
    file = load_config_file(config_path) if config_path else ConfigFile()
    file = file.model_copy(update={"server": _timeouts_from_env(file.server, env)})
    return Settings(
        host=host or file.server.host or DEFAULT_HOST,
        port=port if port is not None else (file.server.port if file.server.port is not None else DEFAULT_PORT),
        data_dir=Path(data_dir).expanduser() if data_dir else default_data_dir(env),
        config_path=config_path,
        file=file,
        env_provider_keys=provider_keys_from_env(env),
        secret_key=env.get("OMNIROUTE_SECRET_KEY") or None,
    )


def _timeouts_from_env(server: ServerSection, env: Mapping[str, str]) -> ServerSection:
    """`REQUEST_TIMEOUT_MS` (until a response or stream starts) and `STREAM_IDLE_TIMEOUT_MS`
    (silence allowed inside a stream) override the file, as the environment does elsewhere."""
    updates: dict[str, float] = {}
    for variable, key in (
        ("REQUEST_TIMEOUT_MS", "request_timeout_s"),
        ("STREAM_IDLE_TIMEOUT_MS", "stream_idle_timeout_s"),
    ):
        raw = env.get(variable)
        if raw:
            try:
                value = float(raw) / 1000
            except ValueError:
                raise ConfigError(f"{variable} must be a number of milliseconds, got {raw!r}") from None
            if value <= 0:
                raise ConfigError(f"{variable} must be positive, got {raw!r}")
            updates[key] = value
    return server.model_copy(update=updates) if updates else server


def load_config_file(path: Path) -> ConfigFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
    return parse_config(text, str(path))


def parse_config(text: str, source: str = "<config>") -> ConfigFile:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _line_from_message(str(exc))
        msg = getattr(exc, "msg", None) or re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(f"{source}:{line}: invalid TOML: {msg}") from None
    try:
        parsed = ConfigFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = locate(text, loc)
        raise ConfigError(f"{source}:{line}: {_describe(loc, err)}") from None
    _check_semantics(parsed, text, source)
    return parsed


def _check_semantics(cfg: ConfigFile, text: str, source: str) -> None:
    seen: set[str] = set()
    for i, p in enumerate(cfg.providers):
        if p.id in seen:
            raise ConfigError(f"{source}:{locate(text, ('providers', i, 'id'))}: provider '{p.id}' is defined twice")
        seen.add(p.id)
        if p.id not in CATALOG and (p.format is None or p.base_url is None):
            raise ConfigError(
                f"{source}:{locate(text, ('providers', i, 'id'))}: provider '{p.id}' is not built in, "
                f"so it needs both 'format' and 'base_url'"
            )
    names: set[str] = set()
    for i, c in enumerate(cfg.combos):
        if c.name in names or c.name in seen:
            raise ConfigError(f"{source}:{locate(text, ('combos', i, 'name'))}: name '{c.name}' is already used")
        names.add(c.name)
        if c.strategy not in STRATEGIES:
            raise ConfigError(
                f"{source}:{locate(text, ('combos', i, 'strategy'))}: unknown strategy '{c.strategy}' "
                f"(supported: {', '.join(STRATEGIES)})"
            )
        if c.weights is not None and len(c.weights) != len(c.models):
            raise ConfigError(
                f"{source}:{locate(text, ('combos', i, 'weights'))}: combo '{c.name}' has {len(c.models)} "
                f"targets but {len(c.weights)} weights"
            )
    for i, k in enumerate(cfg.keys):
        if unknown := scopes.validate(k.scopes):
            raise ConfigError(
                f"{source}:{locate(text, ('keys', i, 'scopes'))}: unknown scopes {unknown} "
                f"(known: {', '.join(scopes.SCOPES)}, or 'action:*', or '*')"
            )
    if unknown := scopes.validate(cfg.mcp.stdio_scopes):
        raise ConfigError(f"{source}:{locate(text, ('mcp', 'stdio_scopes'))}: unknown scopes {unknown}")
    for i, b in enumerate(cfg.budgets):
        if b.action == "degrade" and not b.degrade_to:
            raise ConfigError(f"{source}:{locate(text, ('budgets', i, 'action'))}: a degrade budget needs 'degrade_to'")
        if not (b.scope == "global" or b.scope.startswith(("key:", "combo:"))):
            raise ConfigError(
                f"{source}:{locate(text, ('budgets', i, 'scope'))}: budget scope must be 'global', "
                f"'key:<id>' or 'combo:<name>', got {b.scope!r}"
            )


def _describe(loc: tuple[Any, ...], err: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in loc if not isinstance(part, int))
    if err["type"] == "extra_forbidden":
        return f"unknown key '{loc[-1]}'" + (
            f" in [{'.'.join(str(p) for p in loc[:-1] if not isinstance(p, int))}]" if len(loc) > 1 else ""
        )
    if err["type"] == "missing":
        return f"missing required key '{where}'"
    if err["type"] == "literal_error" and loc and loc[-1] == "format":
        return f"unknown format {err.get('input')!r} for '{where}' (expected one of: {_expected(err)})"
    return f"'{where}': {err['msg']} (got {err.get('input')!r})"


def _expected(err: Mapping[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    return str(ctx.get("expected", "")).replace("'", "")


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?")


def locate(text: str, loc: tuple[Any, ...]) -> int:
    """Best line number for a validation location such as ('providers', 1, 'format')."""
    section = str(loc[0]) if loc else ""
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    key = next((str(p) for p in reversed(loc) if not isinstance(p, int)), "")
    lines = text.splitlines()
    if len(loc) == 1:
        key_line = _find_key(lines, 0, len(lines), section, top_level=True)
        return key_line or _find_header(lines, section, 0) or 1
    start = _find_header(lines, section, index or 0)
    if start is None:
        return 1
    end = next((n for n in range(start, len(lines)) if _HEADER.match(lines[n])), len(lines))
    return _find_key(lines, start, end, key) or start


def _find_header(lines: list[str], section: str, occurrence: int) -> int | None:
    count = -1
    for n, line in enumerate(lines, start=1):
        m = _HEADER.match(line)
        if m and m.group(2).strip('"') == section:
            count += 1
            if count == occurrence:
                return n
    return None


def _find_key(lines: list[str], start: int, end: int, key: str, *, top_level: bool = False) -> int | None:
    pattern = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    for n in range(start, end):
        if top_level and _HEADER.match(lines[n]):
            return None
        if pattern.match(lines[n]):
            return n + 1
    return None


def _line_from_message(message: str) -> int:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else 1
