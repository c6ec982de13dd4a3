"""Server-sent events framing, apart from meaning: bytes in, events out, and back.

The parser accepts LF, CRLF and CR line ends and chunks split anywhere (even inside a line
ending). `id:` and `retry:` fields and comment lines are dropped: the gateway never forwards them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(slots=True)
class SSEEvent:
    data: str
    event: str | None = None


@dataclass(slots=True)
class SSEParser:
    _buffer: bytearray = field(default_factory=bytearray)
    _data: list[str] = field(default_factory=list)
    _event: str | None = None

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        self._buffer += chunk
        events: list[SSEEvent] = []
        while True:
            line, found = self._take_line()
            if not found:
                return events
            if not line:
                if self._data:
                    events.append(SSEEvent("\n".join(self._data), self._event))
                self._data, self._event = [], None
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "data":
                self._data.append(value)
            elif name == "event":
                self._event = value

    def finish(self) -> list[SSEEvent]:
        """Events still buffered at end of stream (a final event without its blank line)."""
        if self._buffer:
            self._buffer += b"\n"
        events = self.feed(b"\n")
        self._buffer.clear()
        return events

    def _take_line(self) -> tuple[str, bool]:
        buf = self._buffer
        for i, byte in enumerate(buf):
            if byte == 0x0A:  # \n
                line = bytes(buf[:i])
                del buf[: i + 1]
                return line.decode("utf-8").removesuffix("\r"), True
            if byte == 0x0D:  # \r: a lone CR ends a line, but it may be the first half of CRLF
                if i + 1 == len(buf):
                    return "", False
                line = bytes(buf[:i])
                del buf[: i + (2 if buf[i + 1] == 0x0A else 1)]
                return line.decode("utf-8"), True
        return "", False


_LINE_END = re.compile(r"\r\n|\r|\n")


def encode_event(data: str, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    body = "".join(f"data: {line}\n" for line in _LINE_END.split(data))
    return f"{head}{body}\n".encode()
