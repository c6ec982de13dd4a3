"""smart-routing: answer the message through the router and return the routing trace with it.

Metadata may name `model` (a model or combo string) or `combo`; otherwise the configured
default model answers.
"""

from __future__ import annotations

from omniroute_agent.a2a.skill import SkillRequest, SkillResult
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.hub import ChatRequest, response_text


async def run(gateway: Gateway, request: SkillRequest) -> SkillResult:
    model = request.metadata.get("model") or request.metadata.get("combo") or gateway.table.default_model
    if not isinstance(model, str) or not model:
        raise InvalidRequest("no model named in the message metadata and no default_model configured")
    if not request.text.strip():
        raise InvalidRequest("the message has no text to answer")
    chat: ChatRequest = {"model": model, "messages": [{"role": "user", "content": request.text}]}
    done = await gateway.complete(chat, request_id=request.request_id, surface="a2a")
    return SkillResult(
        text=response_text(done.response),
        metadata={
            "routing": {
                "requested": done.requested,
                "model": done.target,
                "attempts": [a.as_dict() for a in done.attempts],
                "usage": dict(done.usage),
                "latency_ms": round(done.latency_ms, 2),
            }
        },
    )
