"""Shared by the Gemini spoke tests: fixtures, the google-genai checks, and decoding, writing and
accumulating Gemini streams (with the chunkings and framing of tests/unit/translate/streams.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from google.genai import types

from omniroute_agent.translate import framing
from omniroute_agent.translate.framing import Frame, Framing
from omniroute_agent.translate.gemini.stream import Decoder
from omniroute_agent.translate.hub import Chunk

from .. import streams
from ..streams import WIRE, Chunking, whole

GEMINI = WIRE / "gemini"
OPENAI = WIRE / "openai-chat"

# the fixtures' 8x8 PNG and thought signatures
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAHUlEQVR42mO4YGAARP/BAJnNgFMCUwjCxi1BBzsASlSFoTRYE6kAAAAASUVO"
    "RK5CYII="
)
SIG_TOOLS = (
    "6hWfhoisJ+kDqmADI5WDk+iigLtkjldprKhzz67dVUqosziaKiNbdfEQPzYM6AoW0cUiN7CM9E+FAMdY6r6FBD3X+p/KxuWnH1vmwvOPP/A5g81h"
    "+cUOI4q/6NH9B5XN3uoTbyDkRcJhnEDUOwi2QTS2DyMSKw0/VE5vOSutbdzq9cTg5r7TLQAym3z2p5LBq11y3jSJDMarkntzYfAyqw8Zxtw4i+Vf"
    "ILq47QnQd5k5JVUz"
)
SIG_THINKING = (
    "zu590hBc+FjJSM/Gh5xK+mmrKKb9oWOvGOQNxb4roDK61/M49ix3uR1bwVsCX2d0aR3yukXlWe9e+2sy5jEeGWdLa4hHtaPcYy1T+2VPamOvXGJ7"
    "ZbHRH1HIJGea+kLmeZvDQszGXQGMbzAMTrKaR5aX3gfEwLtqRuoXH08wN4ponsHXGszYqukw2sdMOLfnVjbnGvsFlxq5ITy7h9KZdI/H3g4wnxup"
    "aXdWz9QAE1QVh6EisaTikawqUJ9Yhije3EFwtHbqPY8="
)
WEATHER_PARAMETERS = {
    "type": "object",
    "properties": {
        "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["location", "unit"],
}
REQUEST_KEYS = {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig"}


def validate_request(body: dict[str, Any]) -> None:
    """Each part of a generateContent body parses with google-genai's types (extra keys forbidden;
    JSON mode, so thought signatures must be base64)."""
    assert set(body) <= REQUEST_KEYS, sorted(set(body) - REQUEST_KEYS)
    for content in body["contents"]:
        types.Content.model_validate_json(json.dumps(content))
        assert content["role"] in ("user", "model")
    if "systemInstruction" in body:
        types.Content.model_validate_json(json.dumps(body["systemInstruction"]))
    for tool in body.get("tools", []):
        types.Tool.model_validate_json(json.dumps(tool))
    if "toolConfig" in body:
        types.ToolConfig.model_validate_json(json.dumps(body["toolConfig"]))
    if "generationConfig" in body:
        types.GenerationConfig.model_validate_json(json.dumps(body["generationConfig"]))


def validate_response(body: Any) -> types.GenerateContentResponse:
    return types.GenerateContentResponse.model_validate_json(json.dumps(body))


def decode(raw: bytes, kind: Framing, chunking: Chunking = whole) -> list[Chunk]:
    return streams.decode(Decoder(), raw, kind, chunking)


def write(data: list[Frame], kind: Framing) -> bytes:
    writer: framing.FrameWriter
    writer = framing.SSEWriter(with_event_names=False, line_end="\r\n") if kind == "sse" else framing.JSONArrayWriter()
    return streams.write(data, writer)


def accumulate(chunks: list[Chunk]) -> dict[str, Any]:
    """A hub stream folded into {message, finish_reason, usage}, by the hub stream conventions."""
    hub = streams.accumulate(chunks, reasoning_format="gemini")
    choice = hub["choices"][0]
    return {"message": choice["message"], "finish_reason": choice["finish_reason"], "usage": hub.get("usage")}


def counts(usage: Any) -> tuple[int, ...]:
    """(prompt, completion, total, cached, reasoning) of a hub usage; other details are not compared."""
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    return usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"], cached, reasoning


def plain_ids(value: Any) -> Any:
    """Made call ids (`call_<responseId>_<n>`) without the response id, which differs per fixture."""
    return json.loads(re.sub(r'"call_[A-Za-z0-9_-]+_(\d+)"', r'"call_\1"', json.dumps(value)))
