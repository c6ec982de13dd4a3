"""Ollama `/api/chat` streams (NDJSON): the decoder and the encoder.

Each line is a whole chat response object with `done: false` and a piece of `message.content` or
`message.thinking`; tool calls arrive whole, one or more per line. The last line has `done: true`,
`done_reason` and the token counts. An error is a final `{"error": "..."}` line (HTTP status 200).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.errors import GatewayError, InvalidRequest, UpstreamError
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame
from omniroute_agent.translate.hub import (
    Chunk,
    ChunkDelta,
    ToolCall,
    ToolCallDelta,
    ToolCallFunctionDelta,
    Usage,
    empty_usage,
    make_usage,
    read_usage,
)
from omniroute_agent.translate.ollama.common import (
    done_reason,
    epoch,
    finish_reason,
    hub_tool_call,
    ollama_tool_call,
    rfc3339,
)


@dataclass(slots=True)
class Decoder:
    """Ollama NDJSON objects → hub chunks."""

    done: bool = False
    error: GatewayError | None = None
    _started: bool = False
    _calls: int = 0  # tool calls seen so far: the next call's hub index
    _model: str = ""
    _created: int = 0

    def feed(self, frame: Frame) -> list[Chunk]:
        data = frame.data
        if self.done or self.error is not None or not isinstance(data, dict):
            return []
        if "error" in data:
            status = data.get("status")
            self.error = UpstreamError(
                f"upstream error in stream: {data['error']}",
                status=status if isinstance(status, int) else 500,
            )
            return []
        self._model = str(data.get("model") or self._model)
        self._created = epoch(data.get("created_at")) or self._created
        out: list[Chunk] = []
        delta = self._delta(data.get("message"))
        if delta:
            out.append(self._chunk([{"index": 0, "delta": delta, "finish_reason": None}]))
        if data.get("done") is True:
            self.done = True
            reason = finish_reason(data.get("done_reason"), self._calls > 0)
            out.append(self._chunk([{"index": 0, "delta": {}, "finish_reason": reason}]))
            usage = make_usage(_count(data, "prompt_eval_count"), _count(data, "eval_count"))
            out.append({**self._chunk([]), "usage": usage})
        return out

    def finish(self) -> list[Chunk]:
        return []

    def _delta(self, message: Any) -> ChunkDelta:
        message = message if isinstance(message, dict) else {}
        delta: ChunkDelta = {}
        if isinstance(message.get("thinking"), str) and message["thinking"]:
            delta["reasoning_content"] = message["thinking"]
        if isinstance(message.get("content"), str) and message["content"]:
            delta["content"] = message["content"]
        calls = message.get("tool_calls")
        if isinstance(calls, list) and calls:
            delta["tool_calls"] = [self._call_delta(call) for call in calls]
        if not self._started:  # the first chunk names the role, even when the first line is empty
            self._started = True
            delta = {"role": "assistant", **delta}
        return delta

    def _call_delta(self, call: Any) -> ToolCallDelta:
        index = self._calls
        self._calls += 1
        try:
            hub = hub_tool_call(call, index, f"tool_calls[{index}]")
        except InvalidRequest as exc:
            raise UpstreamError(f"malformed Ollama stream: {exc.message}", status=502) from exc
        name, arguments = hub["function"]["name"], hub["function"]["arguments"]
        function: ToolCallFunctionDelta = {"name": name, "arguments": arguments}
        return {"index": index, "id": hub["id"], "type": "function", "function": function}

    def _chunk(self, choices: list[Any]) -> Chunk:
        return {
            "id": "",
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": choices,
        }


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    return value if isinstance(value, int) else 0


@dataclass(slots=True)
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Encoder:
    """Hub chunks → Ollama NDJSON objects. Text and thinking go out as they come; a tool call is held
    until its arguments are complete (at the finish chunk) and sent whole, as Ollama does."""

    context: StreamContext
    _calls: dict[int, _PendingCall] = field(default_factory=dict)
    _sent_calls: int = 0
    _finish: str | None = None
    _usage: Usage = field(default_factory=empty_usage)
    _closed: bool = False

    def feed(self, chunk: Chunk) -> list[Frame]:
        if self._closed:
            return []
        if isinstance(chunk.get("usage"), dict):
            self._usage = read_usage(chunk["usage"])
        out: list[Frame] = []
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue  # Ollama has one choice; the hub requests ask for one
            delta = choice.get("delta") or {}
            out.extend(self._text(delta))
            for call in delta.get("tool_calls") or []:
                self._buffer(call)
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
                out.extend(self._flush_calls())
        return out

    def finish(self) -> list[Frame]:
        if self._closed:
            return []
        out = self._flush_calls()
        self._closed = True
        final = self._object({"role": "assistant", "content": ""}, done=True)
        final["done_reason"] = done_reason(self._finish)
        final["prompt_eval_count"] = self._usage["prompt_tokens"]
        final["eval_count"] = self._usage["completion_tokens"]
        return [*out, Frame(final)]

    def error(self, exc: GatewayError) -> list[Frame]:
        self._closed = True
        return [Frame({"error": exc.message})]

    def _text(self, delta: ChunkDelta) -> list[Frame]:
        content = delta.get("content") or ""
        thinking = delta.get("reasoning_content") or ""
        if not content and not thinking:
            return []
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if thinking:
            message["thinking"] = thinking
        return [Frame(self._object(message, done=False))]

    def _buffer(self, call: ToolCallDelta) -> None:
        pending = self._calls.setdefault(call.get("index", 0), _PendingCall())
        pending.id = call.get("id") or pending.id
        function = call.get("function") or {}
        pending.name = function.get("name") or pending.name
        if function.get("arguments"):
            pending.arguments.append(function["arguments"])

    def _flush_calls(self) -> list[Frame]:
        out: list[Frame] = []
        for index in sorted(self._calls):
            pending = self._calls[index]
            n = self._sent_calls
            self._sent_calls += 1
            call: ToolCall = {
                "id": pending.id or f"call_{n}",
                "type": "function",
                "function": {"name": pending.name, "arguments": "".join(pending.arguments)},
            }
            try:
                wire = ollama_tool_call(call, n, f"tool_calls[{n}]")
            except InvalidRequest as exc:
                raise UpstreamError(f"stream cannot be written for Ollama: {exc.message}", status=502) from exc
            out.append(Frame(self._object({"role": "assistant", "content": "", "tool_calls": [wire]}, done=False)))
        self._calls.clear()
        return out

    def _object(self, message: dict[str, Any], *, done: bool) -> dict[str, Any]:
        return {
            "model": self.context.model,
            "created_at": rfc3339(self.context.created),
            "message": message,
            "done": done,
        }
