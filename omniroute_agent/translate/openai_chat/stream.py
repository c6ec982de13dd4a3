"""OpenAI Chat streams: the passthrough tap (same-format lane), the decoder and the encoder.

The decoder moves `<think>…</think>` at the start of the content into `reasoning_content`, even
when the tags arrive split across deltas.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.errors import GatewayError, UpstreamError
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame
from omniroute_agent.translate.hub import Chunk, ChunkDelta, Usage, empty_usage, read_usage
from omniroute_agent.translate.openai_chat.errors import error_body
from omniroute_agent.translate.sse import SSEParser

DONE = b"data: [DONE]\n\n"
_OPEN, _CLOSE = "<think>", "</think>"
_DELTA_HUB_ONLY = ("reasoning_signature", "reasoning_redacted")


# Events the tap must look into; any other `data: {...}` event is forwarded as the bytes it came in.
_MARKERS = (b"[DONE]", b'"usage":{', b'"usage": {', b'{"error"')


def _plain_data(events: bytes) -> bool:
    """Whether whole events are each exactly one `data: ` line with LF endings (C-level scans)."""
    count = events.count(b"\n\n")
    return not events or (
        events.startswith(b"data: ") and events.count(b"\n") == 2 * count and events.count(b"\n\ndata: ") == count - 1
    )


@dataclass(slots=True)
class PassthroughTap:
    """Same-format lane: events pass through as they are, re-framed as `data: ...` alone (so
    upstream `id:`/`retry:`/comment lines never reach the client). It reads usage from the chunk
    that carries it, drops that chunk when the client did not ask for usage (the gateway always
    asks upstream), and notices an in-stream error. JSON is parsed only for those few events.

    The common case costs a few C-level scans per network chunk: when every complete event in it
    is one `data: ` line with LF endings and none carries a marker, those bytes go out untouched.
    Anything else (CR line ends, other fields, usage, errors, [DONE]) goes through the parser."""

    include_usage: bool
    usage: Usage = field(default_factory=empty_usage)
    error: dict[str, Any] | None = None
    done: bool = False
    _parser: SSEParser = field(default_factory=SSEParser)
    _rest: bytes = b""
    _fast: bool = True

    def feed(self, chunk: bytes) -> bytes:
        if self._fast and b"\r" in chunk:
            self._fast = False  # CR line ends: the parser takes over for good, from what is held back
            chunk, self._rest = self._rest + chunk, b""
        if not self._fast:
            return b"".join(self._event(e.data) for e in self._parser.feed(chunk))
        buffer = self._rest + chunk if self._rest else chunk
        end = buffer.rfind(b"\n\n")
        if end < 0:
            self._rest = buffer
            return b""
        complete, self._rest = buffer[: end + 2], buffer[end + 2 :]
        # Events from the first one carrying a marker on (usage, [DONE], an error: a stream's last
        # few) are parsed; the ones before it go out as they came when they are plain data lines.
        cut = min((at for marker in _MARKERS if (at := complete.find(marker)) >= 0), default=len(complete))
        start = complete.rfind(b"\n\n", 0, cut)
        start = 0 if start < 0 else start + 2
        head, tail = complete[:start], complete[start:]
        out = head if _plain_data(head) else b"".join(self._event(e.data) for e in self._parser.feed(head))
        if tail:
            out += b"".join(self._event(e.data) for e in self._parser.feed(tail))
        return out

    def finish(self) -> bytes:
        rest, self._rest = self._rest, b""
        events = self._parser.feed(rest) + self._parser.finish()
        return b"".join(self._event(e.data) for e in events)

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


@dataclass(slots=True)
class _ThinkSplitter:
    """Per choice: 'start' until the first visible content decides, 'think' inside the tags,
    'answer' after. Text that may be the start of a tag is held back until it is decided."""

    mode: str = "start"
    held: str = ""

    def split(self, text: str) -> tuple[str, str]:
        """(reasoning, content) for the next piece of content."""
        self.held += text
        reasoning = content = ""
        while self.held:
            if self.mode == "start":
                stripped = self.held.lstrip()
                if not stripped:
                    return reasoning, content
                if stripped.startswith(_OPEN):
                    self.held = stripped[len(_OPEN) :]
                    self.mode = "think"
                elif _OPEN.startswith(stripped):
                    return reasoning, content
                else:
                    self.mode, content, self.held = "answer", content + self.held, ""
            elif self.mode == "think":
                end = self.held.find(_CLOSE)
                if end >= 0:
                    reasoning += self.held[:end]
                    self.held = self.held[end + len(_CLOSE) :].lstrip()
                    self.mode = "after"
                    continue
                keep = _partial_suffix(self.held, _CLOSE)
                reasoning += self.held[: len(self.held) - keep]
                self.held = self.held[len(self.held) - keep :]
                return reasoning, content
            elif self.mode == "after":
                stripped = self.held.lstrip()
                if not stripped:
                    self.held = ""
                    return reasoning, content
                self.mode, content, self.held = "answer", content + stripped, ""
            else:
                content, self.held = content + self.held, ""
        return reasoning, content

    def flush(self) -> tuple[str, str]:
        held, self.held = self.held, ""
        return (held, "") if self.mode == "think" else ("", held)


def _partial_suffix(text: str, tag: str) -> int:
    for n in range(min(len(tag) - 1, len(text)), 0, -1):
        if text.endswith(tag[:n]):
            return n
    return 0


@dataclass(slots=True)
class Decoder:
    """OpenAI chunks → hub chunks (the same shape, with think tags moved out of the content)."""

    done: bool = False
    error: GatewayError | None = None
    _splitters: dict[int, _ThinkSplitter] = field(default_factory=dict)
    _last: Chunk | None = None

    def feed(self, frame: Frame) -> list[Chunk]:
        data = frame.data
        if data == "[DONE]":
            self.done = True
            return self._flush()
        if not isinstance(data, dict):
            return []
        if "error" in data:
            err = data["error"]
            message = err.get("message") if isinstance(err, dict) else str(err)
            self.error = UpstreamError(f"upstream error in stream: {message}", status=502)
            return []
        chunk: Chunk = data  # type: ignore[assignment]
        self._last = chunk
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            content = delta.get("content")
            if isinstance(content, str) and content:
                splitter = self._splitters.setdefault(choice.get("index", 0), _ThinkSplitter())
                reasoning, visible = splitter.split(content)
                _set_text(delta, reasoning, visible)
        return [chunk]

    def finish(self) -> list[Chunk]:
        return self._flush()

    def _flush(self) -> list[Chunk]:
        out: list[Chunk] = []
        for index, splitter in self._splitters.items():
            reasoning, visible = splitter.flush()
            if reasoning or visible:
                delta: ChunkDelta = {}
                _set_text(delta, reasoning, visible)
                base = self._last or {}
                out.append(
                    {
                        "id": base.get("id", ""),
                        "object": "chat.completion.chunk",
                        "created": base.get("created", 0),
                        "model": base.get("model", ""),
                        "choices": [{"index": index, "delta": delta, "finish_reason": None}],
                    }
                )
        return out


def _set_text(delta: ChunkDelta, reasoning: str, visible: str) -> None:
    if reasoning:
        delta["reasoning_content"] = delta.get("reasoning_content", "") + reasoning
    delta["content"] = visible


@dataclass(slots=True)
class Encoder:
    """Hub chunks → OpenAI chunks: hub-only keys dropped, ids filled in, `[DONE]` at the end."""

    context: StreamContext

    def feed(self, chunk: Chunk) -> list[Frame]:
        choices = chunk.get("choices") or []
        if not choices:
            usage = chunk.get("usage")
            if usage is None or not self.context.include_usage:
                return []
            return [Frame(self._envelope([], usage))]
        out_choices: list[dict[str, Any]] = []
        for choice in choices:
            delta: dict[str, Any] = {k: v for k, v in (choice.get("delta") or {}).items() if k not in _DELTA_HUB_ONLY}
            if "tool_calls" in delta:
                delta["tool_calls"] = [{k: v for k, v in c.items() if k != "signature"} for c in delta["tool_calls"]]
            if not delta and choice.get("finish_reason") is None and (choice.get("delta") or {}):
                continue  # a hub-only delta (a signature) OpenAI cannot carry
            out_choices.append(
                {
                    "index": choice.get("index", 0),
                    "delta": delta,
                    "finish_reason": choice.get("finish_reason"),
                }
            )
        if not out_choices:
            return []
        return [Frame(self._envelope(out_choices, None))]

    def finish(self) -> list[Frame]:
        return [Frame("[DONE]")]

    def error(self, exc: GatewayError) -> list[Frame]:
        return [Frame(error_body(exc)[1])]

    def _envelope(self, choices: list[dict[str, Any]], usage: Usage | None) -> dict[str, Any]:
        return {
            "id": self.context.id,
            "object": "chat.completion.chunk",
            "created": self.context.created or int(time.time()),
            "model": self.context.model,
            "choices": choices,
            "usage": usage,
        }
