"""smart-routing: answer the message through the router and return the routing trace with it.

Metadata may name `model` (a model or combo string) or `combo`; otherwise the configured
default model answers.
"""

from __future__ import annotations

from omniroute_agent.a2a.skill import SkillRequest, SkillResult
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.resolve import resolve
from omniroute_agent.core.streams import text_deltas
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
    turns = [*request.history, request.text]
    chat: ChatRequest = {"model": _model(gateway, request), "messages": [{"role": "user", "content": t} for t in turns]}
    if request.emit is not None:
        return await _streamed(gateway, request, chat)
    done = await gateway.complete(chat, request_id=request.request_id, surface="a2a", api_key_id=request.owner)
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


async def _streamed(gateway: Gateway, request: SkillRequest, chat: ChatRequest) -> SkillResult:
    """The answer as it arrives: each text delta is emitted (an artifact chunk) before the next."""
    assert request.emit is not None
    live = await gateway.stream(chat, request_id=request.request_id, surface="a2a", api_key_id=request.owner)
    pieces: list[str] = []
    async for delta in text_deltas(live):
        pieces.append(delta)
        await request.emit(delta)
    return SkillResult(
        text="".join(pieces),
        metadata={
            "routing": {
                "requested": chat.get("model"),
                "model": live.target,
                "attempts": [a.as_dict() for a in live.attempts],
                "usage": dict(live.usage),
                "streamed": True,
            }
        },
    )
