"""Gemini streams: each frame is a whole `GenerateContentResponse` chunk, whichever framing carried
it (`alt=sse` or the JSON array); there is no terminal frame.

Decoder: text parts → content deltas, thought parts → reasoning_content, a thoughtSignature (not
on a function call) → reasoning_signature ahead of its part's text, each functionCall → one whole
tool-call delta, finishReason → the finish chunk (and `done`). `usageMetadata` is cumulative and
repeated, so only the last one is kept and sent once, as the usage-only chunk of `finish()`.

Encoder: hub deltas → chunks of parts. Tool-call arguments arrive in fragments in the hub but whole
in Gemini, so each call is held until the next call, other output or the finish, then written whole.
A reasoning signature waits for the next answer text (where Gemini puts it). The finishing chunk
waits for the usage chunk that follows it, so finishReason and usageMetadata travel together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.errors import GatewayError, InvalidRequest, UpstreamError
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame
from omniroute_agent.translate.gemini.common import (
    FORMAT,
    Json,
    data_keys,
    finish_reason,
    gemini_finish,
    get,
    is_made_id,
    read_usage,
    response_ids,
    tool_call,
    write_usage,
)
from omniroute_agent.translate.gemini.errors import error_body
from omniroute_agent.translate.hub import Chunk, ChunkDelta, ToolCallDelta, Usage

__all__ = ["FORMAT", "Decoder", "Encoder"]


@dataclass(slots=True)
class Decoder:
    """Gemini chunks → hub chunks."""

    done: bool = False
    error: GatewayError | None = None
    _id: str = ""
    _model: str = ""
    _started: bool = False
    _calls: int = 0
    _usage: Usage | None = None

    def feed(self, frame: Frame) -> list[Chunk]:
        data = frame.data
        if isinstance(data, list):  # a whole JSON array in one frame
            return [c for item in data for c in self.feed(Frame(item))]
        if not isinstance(data, dict):
            return []
        if isinstance(err := data.get("error"), dict):
            code = err.get("code")
            status = code if isinstance(code, int) and code >= 400 else 502
            self.error = UpstreamError(f"upstream error in stream: {err.get('message') or err}", status=status)
            return []
        self._id = str(get(data, "responseId") or self._id)
        self._model = str(get(data, "modelVersion") or self._model)
        if get(data, "usageMetadata") is not None:
            self._usage = read_usage(get(data, "usageMetadata"))
        candidates = get(data, "candidates")
        if isinstance(candidates, list) and candidates:
            return self._candidate(candidates[0], get(data, "responseId"))
        if get(get(data, "promptFeedback"), "blockReason"):
            return self._finish("content_filter")
        return []

    def finish(self) -> list[Chunk]:
        if self._usage is None:
            return []
        usage, self._usage = self._usage, None
        return [{**self._envelope([]), "usage": usage}]

    def _candidate(self, candidate: Json, response_id: Any) -> list[Chunk]:
        out: list[Chunk] = []
        parts = get(get(candidate, "content"), "parts")
        for part in parts if isinstance(parts, list) else []:
            out.extend(self._delta(d) for d in self._part_deltas(part, response_id))
        if (raw := get(candidate, "finishReason")) is not None:
            out.extend(self._finish(finish_reason(raw, self._calls > 0)))
        return out

    def _part_deltas(self, part: Any, response_id: Any) -> list[ChunkDelta]:
        if not isinstance(part, dict):
            return []
        if get(part, "functionCall") is not None:
            call = tool_call(part, response_ids(response_id, start=self._calls))
            delta: ToolCallDelta = {
                "index": self._calls,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": call["function"]["arguments"]},
            }
            if "signature" in call:
                delta["signature"] = call["signature"]
            self._calls += 1
            return [{"tool_calls": [delta]}]
        text, signature = get(part, "text"), get(part, "thoughtSignature")
        if text is None and not isinstance(signature, str):  # as response.to_hub: never dropped unseen
            raise InvalidRequest(f"a Gemini model part with {data_keys(part)} cannot be translated")
        deltas: list[ChunkDelta] = []
        if isinstance(text, str) and text and part.get("thought"):
            deltas.append({"reasoning_content": text})
        if isinstance(signature, str) and signature:
            deltas.append({"reasoning_signature": signature})
        if isinstance(text, str) and text and not part.get("thought"):
            deltas.append({"content": text})
        return deltas

    def _finish(self, reason: str) -> list[Chunk]:
        self.done = True
        out = [] if self._started else [self._delta({})]
        chunk = self._envelope([{"index": 0, "delta": {}, "finish_reason": reason}])
        return [*out, chunk]

    def _delta(self, delta: ChunkDelta) -> Chunk:
        if not self._started:
            self._started = True
            delta = {"role": "assistant", **delta}
        return self._envelope([{"index": 0, "delta": delta, "finish_reason": None}])

    def _envelope(self, choices: list[Any]) -> Chunk:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": 0,
            "model": self._model,
            "choices": choices,
        }


@dataclass(slots=True)
class _Call:
    id: str = ""
    name: str = ""
    arguments: str = ""
    signature: str = ""

    def part(self) -> Json:
        try:
            args = json.loads(self.arguments or "{}")
        except ValueError:
            raise UpstreamError(f"tool call '{self.id}' arguments are not valid JSON", status=502) from None
        if not isinstance(args, dict):
            raise UpstreamError(f"tool call '{self.id}' arguments are not a JSON object", status=502)
        call: Json = {"name": self.name, "args": args}
        if self.id and not is_made_id(self.id):
            call["id"] = self.id
        return {"functionCall": call, **({"thoughtSignature": self.signature} if self.signature else {})}


@dataclass(slots=True)
class Encoder:
    """Hub chunks → Gemini chunks."""

    context: StreamContext
    _calls: dict[int, _Call] = field(default_factory=dict)
    _signature: str = ""
    _final: Json | None = None
    _usage: Usage | None = None

    def feed(self, chunk: Chunk) -> list[Frame]:
        if isinstance(usage := chunk.get("usage"), dict):
            self._usage = usage
        parts: list[Json] = []
        finish: Any = None
        for choice in (chunk.get("choices") or [])[:1]:
            parts = self._parts(choice.get("delta") or {})
            finish = choice.get("finish_reason")
        if finish is not None:
            parts += self._flush_calls() + self._flush_signature()
            self._final = self._chunk(parts, gemini_finish(finish))
            parts = []
        out = [Frame(self._chunk(parts))] if parts else []
        if self._final is not None and self._usage is not None:
            out += self.finish()
        return out

    def finish(self) -> list[Frame]:
        final, self._final = self._final, None
        if final is None and (parts := self._flush_calls() + self._flush_signature()):
            final = self._chunk(parts)
        if self._usage is not None:
            final = final if final is not None else self._chunk([])
            final["usageMetadata"] = write_usage(self._usage)
            self._usage = None
        return [Frame(final)] if final is not None else []

    def error(self, exc: GatewayError) -> list[Frame]:
        return [Frame(error_body(exc)[1])]

    def _parts(self, delta: ChunkDelta) -> list[Json]:
        parts: list[Json] = []
        calls = delta.get("tool_calls") or []
        if any(delta.get(k) for k in ("reasoning_content", "content", "reasoning_signature")):
            parts += self._flush_calls()
        elif starting := {c.get("index", 0) for c in calls if c.get("id")}:
            parts += self._flush_calls(keep=starting)  # a new call starts: the ones before it are whole
        if thought := delta.get("reasoning_content"):
            parts += self._flush_signature()
            parts.append({"text": thought, "thought": True})
        if signature := delta.get("reasoning_signature"):
            parts += self._flush_signature()
            self._signature = signature
        if text := delta.get("content"):
            part: Json = {"text": text}
            if self._signature:
                part["thoughtSignature"], self._signature = self._signature, ""
            parts.append(part)
        for call in calls:
            self._add_call(call)
        return parts

    def _add_call(self, delta: ToolCallDelta) -> None:
        call = self._calls.setdefault(delta.get("index", 0), _Call())
        function = delta.get("function") or {}
        call.id = delta.get("id") or call.id
        call.name = function.get("name") or call.name
        call.arguments += function.get("arguments") or ""
        call.signature = delta.get("signature") or call.signature

    def _flush_calls(self, keep: set[int] | None = None) -> list[Json]:
        done = [i for i in self._calls if i not in (keep or set())]
        return [self._calls.pop(i).part() for i in done]

    def _flush_signature(self) -> list[Json]:
        if not self._signature:
            return []
        signature, self._signature = self._signature, ""
        return [{"text": "", "thoughtSignature": signature}]

    def _chunk(self, parts: list[Json], finish: str | None = None) -> Json:
        candidate: Json = {}
        if parts or finish is not None:  # a finishing chunk has content, as Gemini's own do
            candidate["content"] = {"parts": parts or [{"text": ""}], "role": "model"}
        if finish is not None:
            candidate["finishReason"] = finish
        candidate["index"] = 0
        return {"candidates": [candidate], "modelVersion": self.context.model, "responseId": self.context.id}
