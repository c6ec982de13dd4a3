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
        for line in self._take_lines():
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
        return events

    def finish(self) -> list[SSEEvent]:
        """Events still buffered at end of stream (a final event without its blank line)."""
        if self._buffer:
            self._buffer += b"\n"
        events = self.feed(b"\n")
        self._buffer.clear()
        return events

    def _take_lines(self) -> list[str]:
        """The complete lines in the buffer (searched with bytes.find, not byte by byte); the
        rest stays buffered. A CR at the very end waits: it may be the first half of CRLF."""
        buf = self._buffer
        if b"\r" not in buf:
            end = buf.rfind(b"\n")
            if end < 0:
                return []
            whole = bytes(buf[:end]).decode("utf-8").split("\n")
            del buf[: end + 1]
            return whole
        lines: list[str] = []
        start, size = 0, len(buf)
        while start < size:
            lf = buf.find(b"\n", start)
            cr = buf.find(b"\r", start, size if lf < 0 else lf)
            if cr >= 0:
                if cr + 1 == size:
                    break
                lines.append(bytes(buf[start:cr]).decode("utf-8"))
                start = cr + (2 if buf[cr + 1] == 0x0A else 1)
            elif lf >= 0:
                lines.append(bytes(buf[start:lf]).decode("utf-8"))
                start = lf + 1
            else:
                break
        del buf[:start]
        return lines


_LINE_END = re.compile(r"\r\n|\r|\n")


def encode_event(data: str, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    if "\n" in data or "\r" in data:
        body = "".join(f"data: {line}\n" for line in _LINE_END.split(data))
    else:  # compact JSON, the usual data, is one line
        body = f"data: {data}\n"
    return f"{head}{body}\n".encode()
