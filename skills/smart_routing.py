"""smart-routing: answer the message through the router and return the routing trace with it.

Metadata may name `model` (a model or combo string) or `combo`; otherwise the configured
default model answers.
"""

from __future__ import annotations

from omniroute_agent.a2a.skill import SkillRequest, SkillResult
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.resolve import resolve
from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.hub import ChatRequest, response_text


def _model(gateway: Gateway, request: SkillRequest) -> str:
    model = request.metadata.get("model") or request.metadata.get("combo") or gateway.table.default_model
    if not isinstance(model, str) or not model.strip():
        raise InvalidRequest("name a model with metadata 'model' (a string), or configure a default_model")
    return model


def check(gateway: Gateway, request: SkillRequest) -> None:
    """The model must resolve and there must be text to answer, before a task is created."""
    resolve(gateway.table, _model(gateway, request))
    if not request.text.strip():
        raise InvalidRequest("the message has no text part to answer")


async def run(gateway: Gateway, request: SkillRequest) -> SkillResult:
    chat: ChatRequest = {
        "model": _model(gateway, request),
        "messages": [{"role": "user", "content": request.text}],
    }
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
