"""OpenAI Chat requests to and from the hub. The hub is OpenAI Chat, so `to_hub` keeps the body;
`from_hub` writes the real wire: hub extension keys dropped, provider quirks applied."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatMessage, ChatRequest

_HUB_ONLY_REQUEST_KEYS = ("reasoning_budget",)
_SAMPLING = ("temperature", "top_p", "top_k")
_PLAIN = Quirks()


class _Body(BaseModel):
    """What is checked before routing; every other field goes upstream unchanged."""

    model_config = ConfigDict(extra="allow")
    model: Annotated[str, Field(min_length=1)]
    messages: Annotated[list[dict[str, Any]], Field(min_length=1)]
    stream: bool = False


def to_hub(body: dict[str, Any]) -> ChatRequest:
    try:
        _Body.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        param = ".".join(str(p) for p in first["loc"])
        raise InvalidRequest(f"'{param}': {first['msg']}", param=param or None) from None
    return body  # type: ignore[return-value]  # unknown keys are kept


def from_hub(request: ChatRequest, model: str, quirks: Quirks = _PLAIN) -> dict[str, Any]:
    """The upstream body for `model`. A stream always asks for its usage chunk, so the gateway can
    account for it; whether the client sees that chunk is decided on the way out."""
    body: dict[str, Any] = {k: v for k, v in request.items() if k not in _HUB_ONLY_REQUEST_KEYS}
    body["model"] = model
    body["messages"] = _messages(request.get("messages", []), quirks)
    if quirks.drop_sampling:
        for key in _SAMPLING:
            body.pop(key, None)
    if body.get("stream"):
        body["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
    else:
        body.pop("stream_options", None)
    return body


def _messages(messages: list[ChatMessage], quirks: Quirks) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in messages:
        wire: dict[str, Any] = {k: v for k, v in message.items() if k not in ("reasoning", "reasoning_content")}
        if quirks.send_reasoning_content and message.get("reasoning_content"):
            wire["reasoning_content"] = message["reasoning_content"]
        if "tool_calls" in message:
            wire["tool_calls"] = [
                {k: v for k, v in call.items() if k not in ("signature", "item_id")} for call in message["tool_calls"]
            ]
        if wire.get("role") == "developer" and quirks.developer_as_system:
            wire["role"] = "system"
        out.append(wire)
    if quirks.system_as_user:
        out = _fold_system_into_user(out)
    return out


def _fold_system_into_user(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    system = "\n\n".join(str(m.get("content") or "") for m in messages if m.get("role") in ("system", "developer"))
    rest = [m for m in messages if m.get("role") not in ("system", "developer")]
    if not system:
        return rest
    for i, m in enumerate(rest):
        if m.get("role") == "user":
            content = m.get("content")
            if isinstance(content, list):
                rest[i] = {**m, "content": [{"type": "text", "text": system}, *content]}
            else:
                rest[i] = {**m, "content": f"{system}\n\n{content or ''}"}
            return rest
    return [{"role": "user", "content": system}, *rest]
