"""Hub chunks → the Responses event stream, with the item bookkeeping the API does:

    response.created, response.in_progress                       before the first output
    output_item.added, content_part.added,                       a message (text, then refusal)
      output_text.delta…, output_text.done, content_part.done, output_item.done
    output_item.added, reasoning_summary_part.added,             a reasoning item (reasoning_content;
      reasoning_summary_text.delta…, .done, part.done, item.done  encrypted_content from reasoning_redacted)
    output_item.added (arguments ""), function_call_arguments.   a function call
      delta…, .done, output_item.done
    response.completed | response.incomplete                     the whole final Response

`sequence_number` counts from 0, every frame's event name is its `type`, and there is no `[DONE]`.
An item closes when output of another kind starts; a function call closes when the next one starts
and its arguments already parse as JSON, else at the end (a stream that interleaves calls).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.errors import GatewayError
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame
from omniroute_agent.translate.hub import Chunk, ChunkDelta, ToolCallDelta, Usage
from omniroute_agent.translate.responses.errors import failed_code
from omniroute_agent.translate.responses.items import (
    function_call_item,
    message_item,
    new_id,
    reasoning_item,
    text_part,
)
from omniroute_agent.translate.responses.response import envelope, response_id

_INCOMPLETE = ("length", "content_filter")


@dataclass(slots=True)
class _Item:
    """One open output item: its final dict (filled on close) and what has streamed into it."""

    kind: str  # message | reasoning | function_call
    index: int  # output_index
    id: str
    text: str = ""  # message text, reasoning summary, or function arguments
    refusal: str | None = None
    part: str | None = None  # the open content part of a message: "text" | "refusal"
    encrypted: str | None = None
    call_id: str = ""
    name: str = ""


@dataclass(slots=True)
class Encoder:
    context: StreamContext
    _seq: int = 0
    _started: bool = False
    _rid: str = ""
    _output: list[dict[str, Any]] = field(default_factory=list)  # every item, by output_index
    _open: _Item | None = None  # the open message or reasoning item
    _calls: dict[int, _Item] = field(default_factory=dict)  # hub tool-call index → open call
    _finish: str | None = None
    _usage: Usage | None = None

    def feed(self, chunk: Chunk) -> list[Frame]:
        out = self._start()
        if chunk.get("usage"):
            self._usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue  # Responses has one output; n > 1 is refused on the request
            out += self._delta(choice.get("delta") or {})
            if choice.get("finish_reason"):
                self._finish = choice["finish_reason"]
                out += self._close_all()
        return out

    def finish(self) -> list[Frame]:
        out = [*self._start(), *self._close_all()]
        status = "incomplete" if self._finish in _INCOMPLETE else "completed"
        response = self._response(status)
        return [*out, self._event(f"response.{status}", response=response)]

    def error(self, exc: GatewayError) -> list[Frame]:
        """The documented flat `error` event, then `response.failed` with the output so far."""
        frames = self._start()  # the SDK's stream accumulator needs response.created first
        param = getattr(exc, "param", None)
        frames.append(self._event("error", code=exc.code or failed_code(exc), message=exc.message, param=param))
        response = self._response("failed", error={"code": failed_code(exc), "message": exc.message})
        return [*frames, self._event("response.failed", response=response)]

    # ---- deltas ----------------------------------------------------------------------------

    def _delta(self, delta: ChunkDelta) -> list[Frame]:
        out: list[Frame] = []
        if delta.get("reasoning_content"):
            out += self._reasoning(delta["reasoning_content"])
        if delta.get("reasoning_redacted"):
            out += self._redacted(delta["reasoning_redacted"])
        if delta.get("reasoning_signature") and self._open and self._open.kind == "reasoning":
            out += self._close_open()  # the signed block ended; a signature has no Responses form
        if delta.get("content"):
            out += self._message_text(str(delta["content"]), "text")
        refusal = delta.get("refusal")  # OpenAI Chat's own key
        if isinstance(refusal, str) and refusal:
            out += self._message_text(refusal, "refusal")
        for call in delta.get("tool_calls") or []:
            out += self._tool_call(call)
        return out

    def _reasoning(self, text: str) -> list[Frame]:
        out: list[Frame] = []
        item = self._open
        if item is None or item.kind != "reasoning" or item.encrypted:
            out += self._close_all()
            item = self._add(_Item("reasoning", len(self._output), new_id("rs")))
            out.append(self._event("response.output_item.added", output_index=item.index, item=self._snapshot(item)))
        if item.part is None:
            item.part = "summary"
            out.append(self._at(item, "response.reasoning_summary_part.added", summary_index=0, part=_summary("")))
        item.text += text
        out.append(self._at(item, "response.reasoning_summary_text.delta", summary_index=0, delta=text))
        return out

    def _redacted(self, data: str) -> list[Frame]:
        """Encrypted reasoning: it completes the open reasoning item, or is an item of its own."""
        out: list[Frame] = []
        item = self._open
        if item is None or item.kind != "reasoning" or item.encrypted:
            out += self._close_all()
            item = self._add(_Item("reasoning", len(self._output), new_id("rs"), encrypted=data))
            out.append(self._event("response.output_item.added", output_index=item.index, item=self._snapshot(item)))
        item.encrypted = data
        return [*out, *self._close_open()]

    def _message_text(self, text: str, part: str) -> list[Frame]:
        out: list[Frame] = []
        item = self._open
        if item is None or item.kind != "message":
            out += [*self._close_open(), *self._close_calls()]
            item = self._add(_Item("message", len(self._output), new_id("msg")))
            out.append(self._event("response.output_item.added", output_index=item.index, item=self._snapshot(item)))
        if item.part != part:
            out += self._close_part(item)
            item.part = part
            if part == "refusal":
                item.refusal = item.refusal or ""
            new = text_part("") if part == "text" else {"type": "refusal", "refusal": ""}
            out.append(self._at(item, "response.content_part.added", content_index=_ci(item), part=new))
        if part == "text":
            item.text += text
            out.append(self._at(item, "response.output_text.delta", content_index=0, delta=text, logprobs=[]))
        else:
            item.refusal = (item.refusal or "") + text
            out.append(self._at(item, "response.refusal.delta", content_index=_ci(item), delta=text))
        return out

    def _tool_call(self, call: ToolCallDelta) -> list[Frame]:
        index = call.get("index", 0)
        fn = call.get("function") or {}
        fragment = fn.get("arguments") or ""
        item = self._calls.get(index)
        if item is None:
            out = [*self._close_open(), *self._close_calls(finished_only=True)]
            item = self._add(_Item("function_call", len(self._output), new_id("fc")))
            item.call_id, item.name = call.get("id") or new_id("call"), fn.get("name") or ""
            self._calls[index] = item
            out.append(self._event("response.output_item.added", output_index=item.index, item=self._snapshot(item)))
        else:
            out = []
        if fragment:
            item.text += fragment
            out.append(self._at(item, "response.function_call_arguments.delta", delta=fragment))
        return out

    # ---- closing ---------------------------------------------------------------------------

    def _close_all(self) -> list[Frame]:
        return [*self._close_open(), *self._close_calls()]

    def _close_open(self) -> list[Frame]:
        item, self._open = self._open, None
        if item is None:
            return []
        out = self._close_part(item)
        return [*out, self._done(item)]

    def _close_part(self, item: _Item) -> list[Frame]:
        if item.part == "text":
            part = text_part(item.text)
            done = self._at(item, "response.output_text.done", content_index=0, text=item.text, logprobs=[])
        elif item.part == "refusal":
            part = {"type": "refusal", "refusal": item.refusal or ""}
            done = self._at(item, "response.refusal.done", content_index=_ci(item), refusal=item.refusal or "")
        elif item.part == "summary":
            part = _summary(item.text)
            done = self._at(item, "response.reasoning_summary_text.done", summary_index=0, text=item.text)
            return [done, self._at(item, "response.reasoning_summary_part.done", summary_index=0, part=part)]
        else:
            return []
        return [done, self._at(item, "response.content_part.done", content_index=_ci(item), part=part)]

    def _close_calls(self, *, finished_only: bool = False) -> list[Frame]:
        out: list[Frame] = []
        for index, item in list(self._calls.items()):
            if finished_only and not _parses(item.text):
                continue
            del self._calls[index]
            out.append(self._at(item, "response.function_call_arguments.done", arguments=item.text))
            out.append(self._done(item))
        return out

    def _done(self, item: _Item) -> Frame:
        item.part = None
        final = self._snapshot(item, closing=True)
        self._output[item.index] = final
        return self._event("response.output_item.done", output_index=item.index, item=final)

    # ---- frames ----------------------------------------------------------------------------

    def _start(self) -> list[Frame]:
        if self._started:
            return []
        self._started = True
        response = self._response("in_progress")
        return [
            self._event("response.created", response=response),
            self._event("response.in_progress", response=response),
        ]

    def _add(self, item: _Item) -> _Item:
        self._output.append({})
        if item.kind != "function_call":
            self._open = item
        return item

    def _snapshot(self, item: _Item, *, closing: bool = False) -> dict[str, Any]:
        if item.kind == "reasoning":
            return reasoning_item(item.id, item.text if closing else "", item.encrypted)
        if item.kind == "function_call":
            status = "completed" if closing else "in_progress"
            return function_call_item(item.id, item.call_id, item.name, item.text if closing else "", status)
        if not closing:
            return message_item(item.id, None, None, "in_progress")
        status = "incomplete" if self._finish in _INCOMPLETE else "completed"
        text = item.text if item.text or item.refusal is None else None
        return message_item(item.id, text, item.refusal, status)

    def _response(self, status: str, *, error: dict[str, Any] | None = None) -> dict[str, Any]:
        if not self._rid:
            self._rid = response_id(self.context.id)
        created = self.context.created or int(time.time())
        output = [o for o in self._output if o] if status != "in_progress" else []
        usage = self._usage if status != "in_progress" else None
        return envelope(
            self._rid, self.context.model, created, status=status, output=output, usage=usage,
            finish=self._finish, error=error,
        )  # fmt: skip

    def _event(self, kind: str, **fields: Any) -> Frame:
        frame = Frame({"type": kind, "sequence_number": self._seq, **fields}, kind)
        self._seq += 1
        return frame

    def _at(self, item: _Item, kind: str, **fields: Any) -> Frame:
        return self._event(kind, item_id=item.id, output_index=item.index, **fields)


def _ci(item: _Item) -> int:
    """The content index of a message's open part: the refusal follows the text when there is text."""
    return 1 if item.part == "refusal" and item.text else 0


def _summary(text: str) -> dict[str, Any]:
    return {"type": "summary_text", "text": text}


def _parses(arguments: str) -> bool:
    try:
        json.loads(arguments)
    except ValueError:
        return False
    return True
