"""Anthropic Messages streams: the decoder (provider events → hub chunks) and the encoder (hub
chunks → client events).

    message_start                      role chunk (id, model); input tokens remembered
    content_block_start text/thinking  (nothing, unless it already holds text)
    content_block_start redacted       reasoning_redacted
    content_block_start tool_use       tool call delta: index (in order of tool_use blocks), id, name
    text_delta / thinking_delta        content / reasoning_content
    signature_delta                    reasoning_signature
    input_json_delta                   tool call arguments fragment
    message_delta                      finish chunk, then the usage-only chunk
    message_stop                       done;  ping: ignored;  error: `error` set

The encoder writes the same events back, opening and closing one block at a time as the kind of
hub delta changes (ping is never sent). Usage is only known at the end, so `message_start`
carries zero tokens and `message_delta` the real counts. Anthropic has no way to reopen a closed
block: an argument fragment for an earlier tool call (interleaved calls) goes to that call's block
index after later blocks started, which the SDK accumulates correctly. Hub chunks carry no
provider stop reason, so `stop_sequence` / `pause_turn` come out as `end_turn`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.errors import GatewayError, UpstreamError
from omniroute_agent.translate.anthropic._shared import (
    finish_reason,
    message_id,
    stop_reason,
    tool_use_id,
    usage_from_hub,
    usage_to_hub,
)
from omniroute_agent.translate.anthropic.errors import STATUS_BY_TYPE, error_body
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame
from omniroute_agent.translate.hub import Chunk, ChunkDelta, ToolCallDelta, Usage


@dataclass(slots=True)
class Decoder:
    done: bool = False
    error: GatewayError | None = None
    _id: str = ""
    _model: str = ""
    _usage: dict[str, Any] = field(default_factory=dict)  # Anthropic usage counts so far
    _tools: dict[int, int] = field(default_factory=dict)  # Anthropic block index → hub tool index

    def feed(self, frame: Frame) -> list[Chunk]:
        data = frame.data
        if not isinstance(data, dict):
            return []
        kind = data.get("type") or frame.event
        if kind == "message_start":
            return self._message_start(data.get("message") or {})
        if kind == "content_block_start":
            return self._block_start(data.get("index", 0), data.get("content_block") or {})
        if kind == "content_block_delta":
            return self._block_delta(data.get("index", 0), data.get("delta") or {})
        if kind == "message_delta":
            return self._message_delta(data.get("delta") or {}, data.get("usage"))
        if kind == "message_stop":
            self.done = True
        elif kind == "error":
            self._error(data.get("error"))
        return []

    def finish(self) -> list[Chunk]:
        return []

    def _chunk(self, delta: ChunkDelta, finish: str | None = None) -> Chunk:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": 0,
            "model": self._model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    def _message_start(self, message: dict[str, Any]) -> list[Chunk]:
        self._id, self._model = str(message.get("id", "")), str(message.get("model", ""))
        if isinstance(message.get("usage"), dict):
            self._usage.update(message["usage"])
        return [self._chunk({"role": "assistant"})]

    def _block_start(self, index: int, block: dict[str, Any]) -> list[Chunk]:
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            return [self._chunk({"content": block["text"]})]
        if kind == "thinking" and block.get("thinking"):
            return [self._chunk({"reasoning_content": block["thinking"]})]
        if kind == "redacted_thinking":
            return [self._chunk({"reasoning_redacted": str(block.get("data", ""))})]
        if kind == "tool_use":
            self._tools[index] = len(self._tools)
            arguments = json.dumps(block["input"], separators=(",", ":")) if block.get("input") else ""
            call: ToolCallDelta = {
                "index": self._tools[index],
                "id": str(block.get("id", "")),
                "type": "function",
                "function": {"name": str(block.get("name", "")), "arguments": arguments},
            }
            return [self._chunk({"tool_calls": [call]})]
        return []

    def _block_delta(self, index: int, delta: dict[str, Any]) -> list[Chunk]:
        kind = delta.get("type")
        if kind == "text_delta" and delta.get("text"):
            return [self._chunk({"content": delta["text"]})]
        if kind == "thinking_delta" and delta.get("thinking"):
            return [self._chunk({"reasoning_content": delta["thinking"]})]
        if kind == "signature_delta" and delta.get("signature"):
            return [self._chunk({"reasoning_signature": delta["signature"]})]
        if kind == "input_json_delta" and delta.get("partial_json") and index in self._tools:
            call: ToolCallDelta = {
                "index": self._tools[index],
                "function": {"arguments": delta["partial_json"]},
            }
            return [self._chunk({"tool_calls": [call]})]
        return []

    def _message_delta(self, delta: dict[str, Any], usage: object) -> list[Chunk]:
        out: list[Chunk] = []
        finish = finish_reason(delta.get("stop_reason"))
        if finish:
            out.append(self._chunk({}, finish))
        if isinstance(usage, dict):
            self._usage.update({k: v for k, v in usage.items() if v is not None})
        out.append(
            {
                "id": self._id,
                "object": "chat.completion.chunk",
                "created": 0,
                "model": self._model,
                "choices": [],
                "usage": usage_to_hub(self._usage),
            }
        )
        return out

    def _error(self, error: object) -> None:
        kind = str(error.get("type", "")) if isinstance(error, dict) else ""
        message = error.get("message", "") if isinstance(error, dict) else str(error)
        self.error = UpstreamError(
            f"upstream error in stream: {message}",
            status=STATUS_BY_TYPE.get(kind, 502),
            code=kind or "upstream_error",
        )


def _event(data: dict[str, Any]) -> Frame:
    return Frame(data, data["type"])


@dataclass(slots=True)
class Encoder:
    context: StreamContext
    _started: bool = False
    _ended: bool = False  # message_delta sent
    _block: int = -1  # index of the last block opened
    _open: str | None = None  # kind of the open block: text, thinking or tool
    _tools: dict[int, int] = field(default_factory=dict)  # hub tool index → block index
    _finish: str | None = None
    _usage: Usage | None = None

    def feed(self, chunk: Chunk) -> list[Frame]:
        frames = self._start()
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        choices = chunk.get("choices") or []
        for choice in choices:
            if choice.get("index", 0) != 0:
                continue  # Anthropic has one choice; the request asked for one
            frames += self._delta(choice.get("delta") or {})
            if choice.get("finish_reason"):
                frames += self._close()
                self._finish = choice["finish_reason"]
        if not choices and self._finish and self._usage and not self._ended:
            frames.append(self._message_delta())
        return frames

    def finish(self) -> list[Frame]:
        frames = self._start() + self._close()
        if not self._ended:
            frames.append(self._message_delta())
        return [*frames, _event({"type": "message_stop"})]

    def error(self, exc: GatewayError) -> list[Frame]:
        _status, body = error_body(exc)
        return [Frame({"type": "error", "error": {k: body["error"][k] for k in ("type", "message")}}, "error")]

    def _start(self) -> list[Frame]:
        if self._started:
            return []
        self._started = True
        message: dict[str, Any] = {
            "id": message_id(self.context.id),
            "type": "message",
            "role": "assistant",
            "model": self.context.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return [_event({"type": "message_start", "message": message})]

    def _delta(self, delta: ChunkDelta) -> list[Frame]:
        frames: list[Frame] = []
        if delta.get("reasoning_content"):
            frames += self._ensure("thinking")
            frames.append(self._block_delta({"type": "thinking_delta", "thinking": delta["reasoning_content"]}))
        if delta.get("reasoning_signature"):
            frames += self._ensure("thinking")
            frames.append(self._block_delta({"type": "signature_delta", "signature": delta["reasoning_signature"]}))
            frames += self._close()
        if delta.get("reasoning_redacted"):
            frames += self._open_block("redacted", {"type": "redacted_thinking", "data": delta["reasoning_redacted"]})
            frames += self._close()
        if delta.get("content"):
            frames += self._ensure("text")
            frames.append(self._block_delta({"type": "text_delta", "text": delta["content"]}))
        for call in delta.get("tool_calls") or []:
            frames += self._tool(call)
        return frames

    def _tool(self, call: ToolCallDelta) -> list[Frame]:
        frames: list[Frame] = []
        index = call.get("index", 0)
        function = call.get("function") or {}
        if index not in self._tools:
            block = {
                "type": "tool_use",
                "id": call.get("id") or tool_use_id(),
                "name": function.get("name", ""),
                "input": {},
            }
            frames += self._open_block("tool", block)
            self._tools[index] = self._block
        if function.get("arguments"):
            frames.append(
                _event(
                    {
                        "type": "content_block_delta",
                        "index": self._tools[index],
                        "delta": {"type": "input_json_delta", "partial_json": function["arguments"]},
                    }
                )
            )
        return frames

    def _ensure(self, kind: str) -> list[Frame]:
        if self._open == kind:
            return []
        empty = (
            {"type": "text", "text": ""} if kind == "text" else {"type": "thinking", "thinking": "", "signature": ""}
        )
        return self._open_block(kind, empty)

    def _open_block(self, kind: str, block: dict[str, Any]) -> list[Frame]:
        frames = self._close()
        self._block += 1
        self._open = kind
        return [
            *frames,
            _event({"type": "content_block_start", "index": self._block, "content_block": block}),
        ]

    def _block_delta(self, delta: dict[str, Any]) -> Frame:
        return _event({"type": "content_block_delta", "index": self._block, "delta": delta})

    def _close(self) -> list[Frame]:
        if self._open is None:
            return []
        self._open = None
        return [_event({"type": "content_block_stop", "index": self._block})]

    def _message_delta(self) -> Frame:
        self._ended = True
        counts = usage_from_hub(self._usage)
        usage: dict[str, int] = {
            "input_tokens": counts["input_tokens"],
            "output_tokens": counts["output_tokens"],
        }
        for key in ("cache_read_input_tokens", "cache_creation_input_tokens"):
            if counts[key]:
                usage[key] = counts[key]
        reason = stop_reason(self._finish or "stop", has_tool_calls=bool(self._tools))
        return _event(
            {"type": "message_delta", "delta": {"stop_reason": reason, "stop_sequence": None}, "usage": usage}
        )
