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


def build_card(template: dict[str, Any], *, base_url: str, skills: Iterable[str], secured: bool) -> dict[str, Any]:
    """The 0.3 card: top-level `url` and transport, the same interface in `supportedInterfaces`
    (what 1.x clients read), and a bearer scheme when gateway keys are enforced."""
    listed = [s["id"] for s in template.get("skills", [])]
    if sorted(listed) != sorted(skills):
        raise ConfigError(f"agent.json lists skills {sorted(listed)} but the server runs {sorted(skills)}")
    url = base_url.rstrip("/") + "/a2a"
    card = {**template, "version": template.get("version", __version__), "url": url}
    card["supportedInterfaces"] = [
        {
            "url": url,
            "protocolBinding": card.get("preferredTransport", "JSONRPC"),
            "protocolVersion": card.get("protocolVersion", "0.3.0"),
        },
    ]
    if secured:
        card["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer", "description": "a gateway API key"}}
        card["security"] = [{"bearer": []}]
    return card
