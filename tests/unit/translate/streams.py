"""Shared by the spoke tests: the wire fixtures, chunkings of a byte stream, framing and decoding, and
what a client would assemble from a hub stream."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from omniroute_agent.translate.base import Decoder, Encoder
from omniroute_agent.translate.framing import Frame, FrameWriter, Framing, reader
from omniroute_agent.translate.hub import (
    ChatMessage,
    ChatResponse,
    Chunk,
    ReasoningBlock,
    ToolCall,
    ToolCallDelta,
)

WIRE = Path(__file__).resolve().parents[2] / "wire"

Chunking = Callable[[bytes], Iterator[bytes]]


def load(path: Path) -> Any:
    return json.loads(path.read_text())


# ---- chunkings of a byte stream ---------------------------------------------------------------


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
    """One SSE event (up to its blank line) per chunk."""
    for part in raw.split(b"\n\n"):
        if part:
            yield part + b"\n\n"


CHUNKINGS: dict[str, Chunking] = {"whole": whole, "byte-by-byte": byte_by_byte, "random": random_splits}
SSE_CHUNKINGS: dict[str, Chunking] = {**CHUNKINGS, "event-per-chunk": event_per_chunk}


# ---- framing and decoding ---------------------------------------------------------------------


def frames(raw: bytes, kind: Framing = "sse", chunking: Chunking = whole) -> list[Frame]:
    """The frames a reader of `kind` gives for `raw` fed in the pieces of `chunking`."""
    frame_reader = reader(kind)
    out = [f for piece in chunking(raw) for f in frame_reader.feed(piece)]
    return out + frame_reader.finish()


def decode(decoder: Decoder, raw: bytes, kind: Framing = "sse", chunking: Chunking = whole) -> list[Chunk]:
    """`raw` read in the pieces of `chunking` and decoded by `decoder` (which keeps `done` and `error`)."""
    chunks = [c for f in frames(raw, kind, chunking) for c in decoder.feed(f)]
    return chunks + decoder.finish()


def encode(encoder: Encoder, chunks: Iterable[Chunk]) -> list[Frame]:
    """The frames `encoder` gives for `chunks`, then for the end of the stream."""
    out = [f for c in chunks for f in encoder.feed(c)]
    return out + encoder.finish()


def write(data: Iterable[Frame], writer: FrameWriter) -> bytes:
    return writer.start() + b"".join(writer.frame(f) for f in data) + writer.end()


# ---- a hub stream read as a client would ----------------------------------------------------


def tool_call_deltas(chunks: Iterable[Chunk]) -> list[ToolCallDelta]:
    """Every tool-call delta of a hub stream, in order."""
    return [c for chunk in chunks for choice in chunk["choices"] for c in choice["delta"].get("tool_calls", [])]


# ---- a hub stream added up ------------------------------------------------------------------


def _block(blocks: list[ReasoningBlock], reasoning_format: str | None) -> ReasoningBlock:
    """The thinking block a reasoning delta goes to: the last one, unless it is closed (signed) or
    another kind; then a new one."""
    if not blocks or blocks[-1]["type"] != "thinking" or "signature" in blocks[-1]:
        block: ReasoningBlock = {"type": "thinking", "text": ""}
        if reasoning_format is not None:
            block["format"] = reasoning_format
        blocks.append(block)
    return blocks[-1]


def accumulate(chunks: list[Chunk], reasoning_format: str | None = None) -> ChatResponse:
    """A hub stream added up into the non-stream hub response a client would assemble: text,
    reasoning blocks (thinking text and signatures, redacted data; `format` on each when given),
    tool calls, finish reason, and usage when a usage chunk came. Checks the hub stream conventions
    on the way: tool calls numbered 0, 1, ... in order, and an empty delta on the finish chunk."""
    text = ""
    blocks: list[ReasoningBlock] = []
    calls: list[ToolCall] = []
    finish: Any = None
    usage: Any = None
    for chunk in chunks:
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            text += delta.get("content") or ""
            if thought := delta.get("reasoning_content"):
                block = _block(blocks, reasoning_format)
                block["text"] = block.get("text", "") + thought
            if signature := delta.get("reasoning_signature"):
                _block(blocks, reasoning_format)["signature"] = signature
            if redacted := delta.get("reasoning_redacted"):
                blocks.append({"type": "redacted", "data": redacted})
                if reasoning_format is not None:
                    blocks[-1]["format"] = reasoning_format
            for tc in delta.get("tool_calls") or []:
                fn = tc.get("function") or {}
                if "id" in tc:
                    assert tc["index"] == len(calls), "calls are numbered 0, 1, ... in order"
                    calls.append(
                        {
                            "id": tc["id"],
                            "type": "function",
                            "function": {"name": fn["name"], "arguments": ""},
                        }
                    )
                calls[tc["index"]]["function"]["arguments"] += fn.get("arguments") or ""
                if "signature" in tc:
                    calls[tc["index"]]["signature"] = tc["signature"]
            if choice.get("finish_reason"):
                assert not any(delta.values()), "the finish chunk has an empty delta"
                finish = choice["finish_reason"]
    message: ChatMessage = {"role": "assistant", "content": text or (None if calls else "")}
    if blocks:
        message["reasoning"] = blocks
        message["reasoning_content"] = "".join(b.get("text", "") for b in blocks)
    if calls:
        message["tool_calls"] = calls
    response: ChatResponse = {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}
    if usage is not None:
        response["usage"] = usage
    return response
