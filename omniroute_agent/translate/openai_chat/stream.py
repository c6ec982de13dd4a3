"""The same-format lane for OpenAI Chat streams: events pass through as they are, with a tap.

The tap reads usage from the chunk that carries it, drops that chunk when the client did not ask
for usage (the gateway always asks upstream), and notices an in-stream `{"error": ...}` payload.
It re-frames each event as `data: ...` alone, so upstream `id:`/`retry:`/comment lines never
reach the client. It parses JSON only for the few events that can carry usage or an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.translate.hub import Usage, empty_usage, read_usage
from omniroute_agent.translate.sse import SSEParser

DONE = b"data: [DONE]\n\n"


@dataclass(slots=True)
class PassthroughTap:
    include_usage: bool
    usage: Usage = field(default_factory=empty_usage)
    error: dict[str, Any] | None = None
    done: bool = False
    _parser: SSEParser = field(default_factory=SSEParser)

    def feed(self, chunk: bytes) -> bytes:
        return b"".join(self._event(e.data) for e in self._parser.feed(chunk))

    def finish(self) -> bytes:
        return b"".join(self._event(e.data) for e in self._parser.finish())

    def _event(self, data: str) -> bytes:
        if data == "[DONE]":
            self.done = True
            return DONE
        if '"usage":{' in data or '"usage": {' in data:
            payload = json.loads(data)
            self.usage = read_usage(payload.get("usage"))
            if not self.include_usage:
                if not payload.get("choices"):
                    return b""
                payload["usage"] = None
                data = json.dumps(payload, separators=(",", ":"))
        elif data.startswith('{"error"'):
            payload = json.loads(data)
            if isinstance(payload.get("error"), dict):
                self.error = payload["error"]
        return b"data: " + data.encode() + b"\n\n"
