"""Claude Code's housekeeping probes answered here, without a provider (off unless
`[server] claude_code_bypass = true`): the "Warmup" message, quota/count probes (`max_tokens: 1`),
and topic-title requests, which are answered from the user's own first words."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from starlette.responses import JSONResponse, Response, StreamingResponse

from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.hub import ChatResponse, Chunk, make_usage, message_text
from omniroute_agent.translate.registry import CODECS, writer


def probe_answer(body: dict[str, Any]) -> str | None:
    """The local answer to a probe, or None when the request is real work."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    users = [message_text(m.get("content")).strip() for m in messages if m.get("role") == "user"]
    if not users:
        return None
    last = users[-1]
    if len(messages) == 1 and last.lower() == "warmup":
        return "OK"
    if body.get("max_tokens") == 1 and last.lower() in ("quota", "count"):
        return ""
    system = json.dumps(body.get("system") or "")
    if "isNewTopic" in system:
        return json.dumps({"isNewTopic": True, "title": _title(users[0], 3)})
    if "title" in system.lower() and ("5-10 word" in system or "short title" in system.lower()):
        return _title(users[0], 8)
    return None


def _title(text: str, words: int) -> str:
    return " ".join(text.split()[:words]).strip(" .,:;!?") or "New conversation"


def answer(body: dict[str, Any], text: str) -> Response:
    model = str(body.get("model") or "claude")
    codec = CODECS["anthropic"]
    if not body.get("stream"):
        hub: ChatResponse = {
            "id": f"msg_local_{uuid.uuid4().hex[:20]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": make_usage(0, 0),
        }
        return JSONResponse(codec.response_from_hub(hub, model))
    encoder = codec.encoder(StreamContext(id=uuid.uuid4().hex, model=model, created=int(time.time())))
    out = writer("anthropic", "sse")
    chunks: list[Chunk] = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": None}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
        {"choices": [], "usage": make_usage(0, 0)},
    ]
    frames = [f for c in chunks for f in encoder.feed(c)] + encoder.finish()
    return StreamingResponse(iter([b"".join(out.frame(f) for f in frames)]), media_type="text/event-stream")
