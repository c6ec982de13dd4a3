"""Stream framing, apart from meaning: bytes ⇄ `Frame`s for the three stream framings in use.

    sse         `event:` / `data:` lines (OpenAI Chat, Responses, Anthropic, Gemini `alt=sse`)
    ndjson      one JSON object per line (Ollama)
    json-array  one JSON array streamed element by element (Gemini without `alt=sse`)

A `Frame` holds the parsed JSON payload (or the raw text when it is not JSON, such as OpenAI's
`[DONE]`) and the SSE event name where there is one. Translators see frames, never bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from omniroute_agent import json_codec
from omniroute_agent.translate.sse import SSEParser, encode_event

Framing = Literal["sse", "ndjson", "json-array"]


@dataclass(slots=True)
class Frame:
    data: Any  # a parsed JSON value, or the raw text when the payload is not JSON
    event: str | None = None


class FrameReader(Protocol):
    def feed(self, chunk: bytes) -> list[Frame]: ...
    def finish(self) -> list[Frame]: ...


class FrameWriter(Protocol):
    def frame(self, frame: Frame) -> bytes: ...
    def start(self) -> bytes: ...
    def end(self) -> bytes: ...


def _parse(text: str) -> Any:
    try:
        return json_codec.loads(text)
    except ValueError:
        return text


def _dump(data: Any) -> str:
    return data if isinstance(data, str) else json_codec.dumps_str(data)


@dataclass(slots=True)
class SSEReader:
    _parser: SSEParser = field(default_factory=SSEParser)

    def feed(self, chunk: bytes) -> list[Frame]:
        return [Frame(_parse(e.data), e.event) for e in self._parser.feed(chunk)]

    def finish(self) -> list[Frame]:
        return [Frame(_parse(e.data), e.event) for e in self._parser.finish()]


@dataclass(slots=True)
class SSEWriter:
    with_event_names: bool = True  # Anthropic and Responses name events; OpenAI Chat and Gemini do not
    line_end: str = "\n"  # Gemini alt=sse uses CRLF

    def start(self) -> bytes:
        return b""

    def frame(self, frame: Frame) -> bytes:
        out = encode_event(_dump(frame.data), frame.event if self.with_event_names else None)
        return out if self.line_end == "\n" else out.replace(b"\n", self.line_end.encode())

    def end(self) -> bytes:
        return b""


@dataclass(slots=True)
class NDJSONReader:
    _buffer: bytearray = field(default_factory=bytearray)

    def feed(self, chunk: bytes) -> list[Frame]:
        self._buffer += chunk
        frames: list[Frame] = []
        while (cut := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:cut]).strip()
            del self._buffer[: cut + 1]
            if line:
                frames.append(Frame(_parse(line.decode("utf-8"))))
        return frames

    def finish(self) -> list[Frame]:
        rest = bytes(self._buffer).strip()
        self._buffer.clear()
        return [Frame(_parse(rest.decode("utf-8")))] if rest else []


@dataclass(slots=True)
class NDJSONWriter:
    def start(self) -> bytes:
        return b""

    def frame(self, frame: Frame) -> bytes:
        return _dump(frame.data).encode() + b"\n"

    def end(self) -> bytes:
        return b""


@dataclass(slots=True)
class JSONArrayReader:
    """Splits a streamed top-level JSON array into its elements as each one completes."""

    _buffer: bytearray = field(default_factory=bytearray)
    _depth: int = 0
    _in_string: bool = False
    _escape: bool = False
    _start: int | None = None
    _pos: int = 0

    def feed(self, chunk: bytes) -> list[Frame]:
        self._buffer += chunk
        frames: list[Frame] = []
        buf = self._buffer
        i = self._pos
        while i < len(buf):
            ch = buf[i]
            if self._in_string:
                if self._escape:
                    self._escape = False
                elif ch == 0x5C:  # backslash
                    self._escape = True
                elif ch == 0x22:  # quote
                    self._in_string = False
            elif ch == 0x22:
                self._in_string = True
            elif ch in (0x7B, 0x5B):  # { [
                self._depth += 1
                if self._depth == 2 and self._start is None:
                    self._start = i
            elif ch in (0x7D, 0x5D):  # } ]
                if self._depth == 2 and self._start is not None:
                    frames.append(Frame(_parse(bytes(buf[self._start : i + 1]).decode("utf-8"))))
                    self._start = None
                self._depth -= 1
            i += 1
        keep = self._start if self._start is not None else len(buf)
        del buf[:keep]
        self._pos = len(buf)
        if self._start is not None:
            self._start = 0
        return frames

    def finish(self) -> list[Frame]:
        return []


@dataclass(slots=True)
class JSONArrayWriter:
    """Gemini's framing without alt=sse: `[{...}\\n,\\r\\n{...}\\n]`."""

    _count: int = 0

    def start(self) -> bytes:
        return b"["

    def frame(self, frame: Frame) -> bytes:
        sep = b"" if self._count == 0 else b"\n,\r\n"
        self._count += 1
        return sep + _dump(frame.data).encode()

    def end(self) -> bytes:
        return b"\n]" if self._count else b"]"


def reader(framing: Framing) -> FrameReader:
    if framing == "sse":
        return SSEReader()
    if framing == "ndjson":
        return NDJSONReader()
    return JSONArrayReader()
