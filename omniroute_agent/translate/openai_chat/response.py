"""OpenAI Chat responses to and from the hub.

Reasoning an OpenAI-compatible server writes inline as `<think>…</think>` at the start of the
content is moved into `reasoning_content` on the way in.
"""

from __future__ import annotations

import re
import time
from typing import Any

from omniroute_agent.translate.hub import ChatResponse

_THINK = re.compile(r"^\s*<think>(.*?)</think>\s*", re.DOTALL)


def to_hub(body: dict[str, Any]) -> ChatResponse:
    for choice in body.get("choices") or []:
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict) and isinstance(message.get("content"), str):
            m = _THINK.match(message["content"])
            if m and not message.get("reasoning_content"):
                message["reasoning_content"] = m.group(1).strip()
                message["content"] = message["content"][m.end() :]
    return body  # type: ignore[return-value]


def from_hub(response: ChatResponse, model: str) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in response.items() if k != "stop_reason"}
    out.setdefault("object", "chat.completion")
    out.setdefault("created", int(time.time()))
    out["model"] = response.get("model") or model
    choices = []
    for choice in response.get("choices", []):
        message: dict[str, Any] = {k: v for k, v in choice.get("message", {}).items() if k != "reasoning"}
        if "tool_calls" in message:
            message["tool_calls"] = [
                {k: v for k, v in c.items() if k not in ("signature", "item_id")} for c in message["tool_calls"]
            ]
        choices.append({**choice, "message": message})
    out["choices"] = choices
    return out
