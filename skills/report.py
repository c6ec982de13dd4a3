"""What the reporting skills share: their common metadata, number formats for the text report,
and `reply`, which answers with that report or, when asked, with the data phrased by a model.

The text report is built from the data alone (no model call) and is the answer by default. With
metadata `prose: true` and a configured default model, the model is given the question, the
report and the data as JSON and its answer becomes the text; the data goes back unchanged either
way. A failed phrasing call still answers with the report and names the failure in the metadata.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from omniroute_agent.a2a.skill import SkillRequest, SkillResult
from omniroute_agent.core.gateway import Gateway
from omniroute_agent.core.insights import CircuitInfo
from omniroute_agent.errors import GatewayError, InvalidRequest
from omniroute_agent.translate.hub import ChatRequest, response_text

PROSE_PROMPT = (
    "You report on an AI gateway's live state. Answer the user's question in a few plain sentences "
    "using only the numbers in the report and its JSON data; never invent a number. If there is no "
    "question, summarise what matters most."
)


def wants_prose(request: SkillRequest) -> bool:
    """Metadata `prose`: absent (false) or a boolean."""
    prose = request.metadata.get("prose", False)
    if not isinstance(prose, bool):
        raise InvalidRequest("metadata 'prose' must be true or false")
    return prose


def text_option(request: SkillRequest, key: str) -> str | None:
    """An optional metadata string, stripped; None when absent or blank."""
    value = request.metadata.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"metadata '{key}' must be a string")
    return value.strip() or None


async def reply(gateway: Gateway, request: SkillRequest, text: str, data: Mapping[str, Any]) -> SkillResult:
    model = gateway.table.default_model
    if not (model and wants_prose(request)):
        return SkillResult(text, data=dict(data))
    question = request.history_text or "(none)"
    chat: ChatRequest = {
        "model": model,
        "messages": [
            {"role": "system", "content": PROSE_PROMPT},
            {
                "role": "user",
                "content": f"Question: {question}\n\nReport:\n{text}\n\nData (JSON):\n{json.dumps(data)}",
            },
        ],
    }
    try:
        done = await gateway.complete(chat, request_id=request.request_id, surface="a2a")
    except GatewayError as exc:
        return SkillResult(text, {"prose_error": exc.message}, dict(data))
    phrased = response_text(done.response).strip()
    if not phrased:
        return SkillResult(text, {"prose_error": f"{done.target} answered no text"}, dict(data))
    return SkillResult(phrased, {"phrased_by": done.target}, dict(data))


def usd(amount: float) -> str:
    return f"${amount:,.2f}" if amount >= 1 else f"${amount:.6f}"


def share(fraction: float) -> str:
    return f"{fraction * 100:.1f}%"


def secs(seconds: float) -> str:
    return f"{seconds:.1f}s"


def duration(seconds: float) -> str:
    """An uptime: 42.0s, 3m 20s, 5h 07m, 2d 03h."""
    whole = int(seconds)
    if whole < 60:
        return secs(seconds)
    if whole < 3600:
        return f"{whole // 60}m {whole % 60:02d}s"
    if whole < 86_400:
        return f"{whole // 3600}h {whole % 3600 // 60:02d}m"
    return f"{whole // 86_400}d {whole % 86_400 // 3600:02d}h"


def ms(millis: float) -> str:
    return f"{millis:.1f}ms"


def utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def circuit_text(circuit: CircuitInfo) -> str:
    text = f"circuit {circuit.state}"
    if circuit.failures:
        text += f", {circuit.failures} failure(s) counted"
    if circuit.open_for_s is not None:
        text += f", probe in {secs(circuit.open_for_s)}"
    return text
