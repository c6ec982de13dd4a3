"""The annotations most tools share: they only read the gateway's own state (no upstream call, no
change), so a client may call them freely and repeat them. (`destructiveHint` is left out: the
MCP spec gives it meaning only for a tool that is not read-only.)"""

from __future__ import annotations

from mcp_types import ToolAnnotations

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
