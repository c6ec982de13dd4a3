"""The A2A agent card, built once at start from `agent.json` and the running server's address."""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import resources
from typing import Any

from omniroute_agent import __version__
from omniroute_agent.errors import ConfigError


def load_template() -> dict[str, Any]:
    text = resources.files("omniroute_agent").joinpath("agent.json").read_text(encoding="utf-8")
    card: dict[str, Any] = json.loads(text)
    return card


def build_card(
    template: dict[str, Any], *, base_url: str, skills: Iterable[str], secured: bool, push: bool = True
) -> dict[str, Any]:
    """The card for both protocol versions: `supportedInterfaces` lists A2A 1.0 and 0.3 over
    JSON-RPC at /a2a (what 1.x clients read), the 0.3 top-level `url`, `protocolVersion` and
    `preferredTransport` (what 0.3 clients read), the real capabilities, and a bearer scheme in
    both forms when gateway keys are enforced."""
    listed = [s["id"] for s in template.get("skills", [])]
    if sorted(listed) != sorted(skills):
        raise ConfigError(f"agent.json lists skills {sorted(listed)} but the server runs {sorted(skills)}")
    url = base_url.rstrip("/") + "/a2a"
    card = {**template, "version": template.get("version", __version__), "url": url}
    card["protocolVersion"] = "0.3.0"
    card["preferredTransport"] = "JSONRPC"
    card["supportedInterfaces"] = [
        {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"},
        {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "0.3"},
    ]
    card["capabilities"] = {
        **template.get("capabilities", {}),
        "streaming": True,
        "pushNotifications": push,
        "stateTransitionHistory": False,
    }
    card["supportsAuthenticatedExtendedCard"] = secured
    if secured:
        card["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer", "description": "a gateway API key"}}
        card["security"] = [{"bearer": []}]
    return card


def extended_card(card: dict[str, Any], models: list[str]) -> dict[str, Any]:
    """For an authenticated caller: the same card, with the models and combos it can name."""
    return {**card, "description": f"{card.get('description', '')} Models and combos: {', '.join(models)}."}
