"""Responses streams: the decoder (Responses events → hub chunks) here, the encoder in `encoder.py`.

    response.created                          role chunk (id, model, created from the response)
    output_item.added function_call           first tool-call delta (id = call_id, name, arguments "")
    output_text.delta / refusal.delta         content / refusal
    function_call_arguments.delta             argument fragments
    reasoning_summary_text.delta              reasoning_content (summary parts joined by a blank line)
    output_item.done reasoning                reasoning_redacted = encrypted_content, when present
    response.completed / incomplete           finish chunk, usage-only chunk, done
    response.failed, error                    error (both the documented flat `error` event and the
                                              observed one nested under `error`)

A `.done` event whose value the deltas did not add up to (a provider that skips deltas) sends the
missing rest, so the hub content always equals the final values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omniroute_agent.errors import GatewayError, UpstreamError
from omniroute_agent.translate.framing import Frame
from omniroute_agent.translate.hub import Chunk, ChunkDelta, ToolCallDelta
from omniroute_agent.translate.responses.encoder import Encoder
from omniroute_agent.translate.responses.items import obj, summary_text, usage_to_hub

__all__ = ["Decoder", "Encoder"]

_FINISH = {"max_output_tokens": "length", "content_filter": "content_filter"}


@dataclass(slots=True)
class Decoder:
    done: bool = False
    error: GatewayError | None = None
    _id: str = ""
    _model: str = ""
    _created: int = 0
    _role_sent: bool = False
    _calls: dict[str, int] = field(default_factory=dict)  # fc_ item id → hub tool-call index
    _args: dict[str, str] = field(default_factory=dict)  # fc_ item id → arguments sent so far
    _texts: dict[tuple[str, int], str] = field(default_factory=dict)  # (msg id, part) → text sent
    _summaries: dict[tuple[str, int], str] = field(default_factory=dict)  # (rs id, part) → text sent
    _summary_at: tuple[str, int] | None = None  # the summary part the last reasoning delta belonged to
    _reasoning_sent: bool = False

    def feed(self, frame: Frame) -> list[Chunk]:
        data = frame.data
        if not isinstance(data, dict):
            return []
        kind = data.get("type") or frame.event
        if kind in ("response.created", "response.in_progress", "response.queued"):
            self._envelope(data.get("response"))
            return self._delta({}) if not self._role_sent else []
        if kind == "response.output_item.added":
            return self._item_added(data.get("item") or {})
        if kind == "response.output_text.delta":
            return self._text(data, str(data.get("delta") or ""))
        if kind == "response.output_text.done":
            return self._text(data, _rest(self._texts.get(_part_key(data), ""), data.get("text")))
        if kind == "response.refusal.delta":
            return self._delta({"refusal": str(data.get("delta") or "")})  # type: ignore[typeddict-unknown-key]
        if kind == "response.function_call_arguments.delta":
            return self._arguments(str(data.get("item_id")), str(data.get("delta") or ""))
        if kind == "response.function_call_arguments.done":
            item_id = str(data.get("item_id"))
            return self._arguments(item_id, _rest(self._args.get(item_id, ""), data.get("arguments")))
        if kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            return self._reasoning(data, str(data.get("delta") or ""))
        if kind in ("response.reasoning_summary_text.done", "response.reasoning_text.done"):
            return self._reasoning(data, _rest(self._summaries.get(_summary_key(data), ""), data.get("text")))
        if kind == "response.output_item.done":
            return self._item_done(data.get("item") or {})
        if kind in ("response.completed", "response.incomplete"):
            return self._end(data.get("response") or {})
        if kind == "response.failed":
            self.done = True
            if self.error is None:
                self.error = _error(obj(obj(data.get("response")).get("error")))
            return []
        if kind == "error":
            nested = data.get("error")
            self.error = _error(nested if isinstance(nested, dict) else data)
        return []

    def finish(self) -> list[Chunk]:
        return []

    # ---- events ----------------------------------------------------------------------------

    def _envelope(self, response: Any) -> None:
        if isinstance(response, dict):
            self._id = str(response.get("id") or self._id)
            self._model = str(response.get("model") or self._model)
            self._created = int(response.get("created_at") or self._created)

    def _item_added(self, item: dict[str, Any]) -> list[Chunk]:
        if item.get("type") != "function_call":
            return []
        item_id = str(item.get("id") or item.get("call_id"))
        index = self._calls.setdefault(item_id, len(self._calls))
        arguments = str(item.get("arguments") or "")
        self._args[item_id] = arguments
        call: ToolCallDelta = {
            "index": index,
            "id": str(item.get("call_id") or ""),
            "type": "function",
            "function": {"name": str(item.get("name") or ""), "arguments": arguments},
        }
        return self._delta({"tool_calls": [call]})

    def _text(self, data: dict[str, Any], text: str) -> list[Chunk]:
        if not text:
            return []
        key = _part_key(data)
        self._texts[key] = self._texts.get(key, "") + text
        return self._delta({"content": text})

    def _arguments(self, item_id: str, fragment: str) -> list[Chunk]:
        if not fragment or item_id not in self._calls:
            return []
        self._args[item_id] += fragment
        return self._delta({"tool_calls": [{"index": self._calls[item_id], "function": {"arguments": fragment}}]})

    def _reasoning(self, data: dict[str, Any], text: str) -> list[Chunk]:
        if not text:
            return []
        at = _summary_key(data)
        self._summaries[at] = self._summaries.get(at, "") + text
        if at != self._summary_at and self._reasoning_sent:
            text = "\n\n" + text  # a new summary part: joined as the non-stream form joins them
        self._summary_at, self._reasoning_sent = at, True
        return self._delta({"reasoning_content": text})

    def _item_done(self, item: dict[str, Any]) -> list[Chunk]:
        kind = item.get("type")
        item_id = str(item.get("id") or "")
        if kind == "function_call":
            if item_id not in self._calls:
                return [
                    *self._item_added({**item, "arguments": ""}),
                    *self._arguments(item_id, str(item.get("arguments") or "")),
                ]
            return self._arguments(item_id, _rest(self._args.get(item_id, ""), item.get("arguments")))
        if kind != "reasoning":
            return []
        out: list[Chunk] = []
        if all(key[0] != item_id for key in self._summaries) and (text := summary_text(item)):
            out += self._reasoning({"item_id": item_id}, text)
        if item.get("encrypted_content"):
            out += self._delta({"reasoning_redacted": str(item["encrypted_content"])})
        return out

    def _end(self, response: dict[str, Any]) -> list[Chunk]:
        self.done = True
        self._envelope(response)
        if response.get("status") == "incomplete":
            details = response.get("incomplete_details") or {}
            finish = _FINISH.get(str(details.get("reason")), "length")
        else:
            finish = "tool_calls" if self._calls else "stop"
        out = self._delta({}, finish)
        if response.get("usage") is not None:
            out.append({**self._base(), "choices": [], "usage": usage_to_hub(response["usage"])})
        return out

    # ---- chunks ----------------------------------------------------------------------------

    def _base(self) -> Chunk:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
        }

    def _delta(self, delta: ChunkDelta, finish: str | None = None) -> list[Chunk]:
        if not self._role_sent:
            delta = {"role": "assistant", **delta}
            self._role_sent = True
        return [{**self._base(), "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}]


def _part_key(data: dict[str, Any]) -> tuple[str, int]:
    return str(data.get("item_id")), int(data.get("content_index") or 0)


def _summary_key(data: dict[str, Any]) -> tuple[str, int]:
    return str(data.get("item_id")), int(data.get("summary_index", data.get("content_index", 0)) or 0)


def _rest(sent: str, final: Any) -> str:
    """What a `.done` value adds to the deltas already sent (nothing when they already add up)."""
    if isinstance(final, str) and final.startswith(sent):
        return final[len(sent) :]
    return ""


def _error(err: dict[str, Any]) -> UpstreamError:
    message = err.get("message") or "no message"
    code = err.get("code")
    status = 429 if code == "rate_limit_exceeded" else 502
    return UpstreamError(
        f"upstream error in stream: {message}", status=status, code=str(code) if code else "upstream_error"
    )
