"""Scopes: what a gateway key may do through MCP. Granted per key, with wildcards (`read:*`, `*`).

Keys from `[server] api_keys` hold every scope; keys from `[[keys]]` hold the scopes listed there.
The stdio transport (a local IDE spawning `omniroute --mcp`) holds `[mcp] stdio_scopes`, every
scope by default.
"""

from __future__ import annotations

from collections.abc import Iterable

SCOPES: tuple[str, ...] = (
    "read:health",
    "read:combos",
    "write:combos",
    "read:quota",
    "read:usage",
    "read:models",
    "execute:completions",
    "write:budget",
    "write:resilience",
    "read:cache",
    "write:cache",
    "read:memory",
    "write:memory",
    "read:skills",
    "write:skills",
    "execute:skills",
    "write:pricing",
)
ALL = frozenset({"*"})


def grants(held: Iterable[str], needed: str) -> bool:
    """Whether the scopes `held` cover `needed` ("*" covers all, "read:*" every read scope)."""
    action = needed.split(":", 1)[0]
    return any(h == "*" or h == needed or h == f"{action}:*" for h in held)


def missing(held: Iterable[str], needed: Iterable[str]) -> list[str]:
    held = list(held)
    return [scope for scope in needed if not grants(held, scope)]


def validate(scopes: Iterable[str]) -> list[str]:
    """The names in `scopes` that are not scopes (nor wildcards of one)."""
    actions = {s.split(":", 1)[0] for s in SCOPES}
    return [s for s in scopes if s != "*" and s not in SCOPES and not (s.endswith(":*") and s[:-2] in actions)]
