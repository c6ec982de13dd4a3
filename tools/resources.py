"""Resources and prompts for IDE users: a resource per combo and per provider's health, and a
prompt that sets up a coding session against a chosen combo."""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from omniroute_agent.tools.view import RuntimeView


def register(server: MCPServer, runtime: RuntimeView) -> None:
    @server.resource("omniroute://combos", name="combos", mime_type="application/json")
    def combos() -> str:
        """Every combo with its strategy and targets."""
        return json.dumps([_combo(runtime, name) for name in runtime.gateway.table.combos])

    @server.resource("omniroute://combos/{name}", name="combo", mime_type="application/json")
    def combo(name: str) -> str:
        """One combo: strategy, targets in order, config, and its live strategy state."""
        if name not in runtime.gateway.table.combos:
            raise ResourceError(f"no combo '{name}'")
        return json.dumps(_combo(runtime, name))

    @server.resource("omniroute://providers/{provider}/health", name="provider-health", mime_type="application/json")
    async def provider_health(provider: str) -> str:
        """A provider's connections, cooldowns and circuit state, from the live core."""
        gateway = runtime.gateway
        health = await gateway.health()
        found = next((p for p in health["providers"] if p["id"] == provider), None)
        if found is None:
            raise ResourceError(f"no provider '{provider}'")
        ids = {c.id for c in gateway.table.providers[provider].connections}
        return json.dumps({**found, "cooldowns": {k: v for k, v in health["cooldowns"].items() if k in ids}})

    @server.prompt(name="coding_session", title="Coding session through a combo")
    def coding_session(combo: str, language: str = "", goal: str = "") -> str:
        """Sets up a coding session that routes every request through the chosen combo."""
        gateway = runtime.gateway
        if combo not in gateway.table.combos and combo not in {m["id"] for m in gateway.models()}:
            raise ValueError(f"'{combo}' is neither a combo nor a model this gateway serves")
        targets = gateway.table.combos[combo].models if combo in gateway.table.combos else [combo]
        lines = [
            f"You are pairing on a coding task. Route every model call through omniroute with model='{combo}'",
            f"(the omniroute_route_request tool); it falls back in this order: {', '.join(targets)}.",
            "Prefer small, reviewable changes; show diffs; run the tests before claiming success.",
        ]
        if language:
            lines.append(f"The code is {language}.")
        if goal:
            lines.append(f"Goal: {goal}")
        return "\n".join(lines)


def _combo(runtime: RuntimeView, name: str) -> dict[str, Any]:
    combo = runtime.gateway.table.combos[name]
    state = runtime.gateway.router.combo_states.get(name)
    return {
        "name": combo.name,
        "strategy": combo.strategy,
        "models": combo.models,
        "config": combo.config,
        "state": dict(state.to_dict()) if state else None,
        "is_default": runtime.gateway.table.default_model == name,
    }
