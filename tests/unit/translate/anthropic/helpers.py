"""Shared by the Anthropic spoke tests: fixtures, chunkings, hub accumulation and SDK validation."""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pydantic
from anthropic.types import RawMessageStreamEvent
from anthropic.types.message_create_params import (
    MessageCreateParamsNonStreaming,
    MessageCreateParamsStreaming,
)
from typing_extensions import is_typeddict  # the SDK defines its TypedDicts with typing_extensions

from omniroute_agent.translate.framing import Frame, SSEWriter, reader
from omniroute_agent.translate.hub import ChatResponse, Chunk

WIRE = Path(__file__).resolve().parents[3] / "wire"
ANTHROPIC = WIRE / "anthropic"
OPENAI = WIRE / "openai-chat"
SAMPLING = ("temperature", "top_p", "top_k")  # absent from the SDK >= 1.0 types, still accepted by the API


def load(path: Path) -> Any:
    return json.loads(path.read_text())


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


def event_per_chunk(raw: bytes) -> Iterator[bytes]:
    for part in raw.split(b"\n\n"):
        if part:
            yield part + b"\n\n"


CHUNKINGS: dict[str, Callable[[bytes], Iterator[bytes]]] = {
    "whole": whole,
    "byte-by-byte": byte_by_byte,
    "random": random_splits,
    "event-per-chunk": event_per_chunk,
}


def frames(raw: bytes, chunking: Callable[[bytes], Iterator[bytes]] = whole) -> list[Frame]:
    r = reader("sse")
    out: list[Frame] = []
    for piece in chunking(raw):
        out += r.feed(piece)
    return out + r.finish()


def write(frames_: list[Frame]) -> bytes:
    w = SSEWriter(with_event_names=True)
    return w.start() + b"".join(w.frame(f) for f in frames_) + w.end()


def accumulate(chunks: list[Chunk]) -> dict[str, Any]:
    """What a client would assemble from hub chunks: text, reasoning (blocks and text), tool calls
    (arguments parsed), finish reason and usage."""
    content, thought = "", ""
    blocks: list[dict[str, Any]] = []
    calls: dict[int, dict[str, Any]] = {}
    finish, usage = None, None
    for chunk in chunks:
        if chunk.get("usage"):
            usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            content += delta.get("content") or ""
            if delta.get("reasoning_content"):
                thought += delta["reasoning_content"]
                if not blocks or blocks[-1]["type"] != "thinking" or "signature" in blocks[-1]:
                    blocks.append({"type": "thinking", "text": ""})
                blocks[-1]["text"] += delta["reasoning_content"]
            if delta.get("reasoning_signature"):
                blocks[-1]["signature"] = delta["reasoning_signature"]
            if delta.get("reasoning_redacted"):
                blocks.append({"type": "redacted", "data": delta["reasoning_redacted"]})
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call["index"], {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.get("id") or slot["id"]
                slot["name"] = (call.get("function") or {}).get("name") or slot["name"]
                slot["arguments"] += (call.get("function") or {}).get("arguments") or ""
            finish = choice.get("finish_reason") or finish
    return {
        "content": content,
        "reasoning_content": thought,
        "reasoning": blocks,
        "tool_calls": [{**c, "arguments": json.loads(c["arguments"])} for _, c in sorted(calls.items())],
        "finish_reason": finish,
        "usage": usage,
    }


def summary(response: ChatResponse) -> dict[str, Any]:
    """The same view of a non-stream hub response."""
    choice = response["choices"][0]
    message = choice["message"]
    return {
        "content": message.get("content") or "",
        "reasoning_content": message.get("reasoning_content", ""),
        "reasoning": [{k: v for k, v in b.items() if k != "format"} for b in message.get("reasoning", [])],
        "tool_calls": [
            {
                "id": c["id"],
                "name": c["function"]["name"],
                "arguments": json.loads(c["function"]["arguments"]),
            }
            for c in message.get("tool_calls", [])
        ],
        "finish_reason": choice["finish_reason"],
        "usage": response["usage"],
    }


@cache
def _strict_adapters() -> dict[bool, pydantic.TypeAdapter[Any]]:
    """Request adapters that reject keys the SDK does not declare. The SDK's TypedDicts get
    extra='forbid' only while the schemas are built, then their config is put back."""
    saved: dict[type, Any] = {}
    for info in pkgutil.walk_packages(
        importlib.import_module("anthropic.types").__path__, "anthropic.types."
    ):
        if ".beta" in info.name:
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and is_typeddict(obj)
                and obj.__module__ == module.__name__
                and obj not in saved
            ):
                saved[obj] = obj.__dict__.get("__pydantic_config__")
                obj.__pydantic_config__ = pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=True)  # type: ignore[attr-defined]
    try:
        return {
            False: pydantic.TypeAdapter(MessageCreateParamsNonStreaming),
            True: pydantic.TypeAdapter(MessageCreateParamsStreaming),
        }
    finally:
        for obj, config in saved.items():
            if config is None:
                del obj.__pydantic_config__  # type: ignore[attr-defined]
            else:
                obj.__pydantic_config__ = config  # type: ignore[attr-defined]


def _drain(value: Any) -> Any:
    """Consume the lazy validators pydantic builds for the SDK's `Iterable[...]` params."""
    if isinstance(value, dict):
        return {k: _drain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_drain(v) for v in value]
    if type(value).__name__ == "ValidatorIterator":
        return [_drain(v) for v in value]
    return value


def validate_request(body: dict[str, Any]) -> None:
    """Raise unless `body` is a valid MessageCreateParams (sampling keys aside)."""
    core = {k: v for k, v in body.items() if k not in SAMPLING}
    _drain(_strict_adapters()[bool(body.get("stream"))].validate_python(core))


EVENT = pydantic.TypeAdapter(RawMessageStreamEvent)

# Shared scenario data
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a location.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location", "unit"],
        },
    },
}

PARIS_ARGS = '{"location":"Paris, France","unit":"celsius"}'
TOKYO_ARGS = '{"location":"Tokyo, Japan","unit":"celsius"}'


def call(call_id: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": arguments}}
