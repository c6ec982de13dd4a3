"""Shared by the Gemini spoke tests: fixtures, chunkings, the google-genai checks, and a hub
stream accumulator."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from google.genai import types

from omniroute_agent.translate import framing
from omniroute_agent.translate.framing import Frame, Framing
from omniroute_agent.translate.gemini.stream import Decoder
from omniroute_agent.translate.hub import Chunk, ReasoningBlock

WIRE = Path(__file__).resolve().parents[3] / "wire"
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


def load(path: Path) -> Any:
    return json.loads(path.read_text())


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


# chunkings of a byte stream
def whole(raw: bytes) -> Iterator[bytes]:
    yield raw


def byte_by_byte(raw: bytes) -> Iterator[bytes]:
    for i in range(len(raw)):
        yield raw[i : i + 1]


def random_splits(raw: bytes) -> Iterator[bytes]:
    rng = random.Random(2024)
    i = 0
    while i < len(raw):
        n = rng.randint(1, 97)
        yield raw[i : i + n]
        i += n


CHUNKINGS: dict[str, Callable[[bytes], Iterator[bytes]]] = {
    "whole": whole,
    "byte-by-byte": byte_by_byte,
    "random": random_splits,
}


def frames(raw: bytes, kind: Framing, chunking: Callable[[bytes], Iterator[bytes]] = whole) -> list[Frame]:
    reader = framing.reader(kind)
    out = [f for piece in chunking(raw) for f in reader.feed(piece)]
    return out + reader.finish()


def decode(raw: bytes, kind: Framing, chunking: Callable[[bytes], Iterator[bytes]] = whole) -> list[Chunk]:
    decoder = Decoder()
    chunks = [c for f in frames(raw, kind, chunking) for c in decoder.feed(f)]
    return chunks + decoder.finish()


def write(data: list[Frame], kind: Framing) -> bytes:
    writer: framing.FrameWriter
    if kind == "sse":
        writer = framing.SSEWriter(with_event_names=False, line_end="\r\n")
    else:
        writer = framing.JSONArrayWriter()
    return writer.start() + b"".join(writer.frame(f) for f in data) + writer.end()


def accumulate(chunks: list[Chunk], reasoning_format: str = "gemini") -> dict[str, Any]:
    """A hub stream folded into {message, finish_reason, usage}, by the hub stream conventions."""
    text = ""
    blocks: list[ReasoningBlock] = []
    calls: dict[int, dict[str, Any]] = {}
    finish: Any = None
    usage: Any = None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            if thought := delta.get("reasoning_content"):
                if not blocks or "signature" in blocks[-1]:
                    blocks.append({"type": "thinking", "text": "", "format": reasoning_format})
                blocks[-1]["text"] = blocks[-1].get("text", "") + thought
            if signature := delta.get("reasoning_signature"):
                if not blocks or "signature" in blocks[-1]:
                    blocks.append({"type": "thinking", "text": "", "format": reasoning_format})
                blocks[-1]["signature"] = signature
            for tc in delta.get("tool_calls") or []:
                fn = tc.get("function") or {}
                if "id" in tc:
                    assert tc["index"] == len(calls), "calls are numbered 0, 1, ... in order"
                    call = {
                        "id": tc["id"],
                        "type": "function",
                        "function": {"name": fn["name"], "arguments": ""},
                    }
                    calls[tc["index"]] = call
                calls[tc["index"]]["function"]["arguments"] += fn.get("arguments") or ""
                if "signature" in tc:
                    calls[tc["index"]]["signature"] = tc["signature"]
            if choice.get("finish_reason"):
                assert not any(delta.values()), "the finish chunk has an empty delta"
                finish = choice["finish_reason"]
    message: dict[str, Any] = {"role": "assistant", "content": text or (None if calls else "")}
    if blocks:
        message["reasoning"] = blocks
        message["reasoning_content"] = "".join(b.get("text", "") for b in blocks)
    if calls:
        message["tool_calls"] = [calls[i] for i in sorted(calls)]
    return {"message": message, "finish_reason": finish, "usage": usage}


def counts(usage: Any) -> tuple[int, ...]:
    """(prompt, completion, total, cached, reasoning) of a hub usage; other details are not compared."""
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    reasoning = (usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0
    return usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"], cached, reasoning


def plain_ids(value: Any) -> Any:
    """Made call ids (`call_<responseId>_<n>`) without the response id, which differs per fixture."""
    return json.loads(re.sub(r'"call_[A-Za-z0-9_-]+_(\d+)"', r'"call_\1"', json.dumps(value)))
