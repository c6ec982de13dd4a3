"""OpenAI Chat responses to and from the hub."""

from __future__ import annotations

from typing import Any

from omniroute_agent.translate.hub import ChatResponse


def to_hub(body: dict[str, Any]) -> ChatResponse:
    return body  # type: ignore[return-value]


def from_hub(response: ChatResponse) -> dict[str, Any]:
    return dict(response)
