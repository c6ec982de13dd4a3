"""OpenAI Chat requests to and from the hub (the same shape: only the model name changes)."""

from __future__ import annotations

from typing import Any

from omniroute_agent.translate.hub import ChatRequest


def to_hub(body: dict[str, Any]) -> ChatRequest:
    return body  # type: ignore[return-value]  # validated by the surface; unknown keys are kept


def from_hub(request: ChatRequest, model: str) -> dict[str, Any]:
    """The upstream body for `model`. A stream always asks for its usage chunk, so the gateway can
    account for it; whether the client sees that chunk is decided by the stream tap."""
    body: dict[str, Any] = {**request, "model": model}
    if body.get("stream"):
        body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
    return body
