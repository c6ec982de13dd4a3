"""What a provider needs to see again on the next turn, kept by tool-call id.

Gemini 3 rejects a function call replayed without its `thoughtSignature`, and Anthropic wants the
signed thinking block that preceded a tool call when thinking is on. A client of another format
(an OpenAI SDK, say) cannot carry either, so the gateway remembers them when the answer passes
through and puts them back when the same tool-call id comes back in the history.

Bounded (least recently stored is forgotten first) and in memory: a restart loses it, and the
provider then sees the turn as the client sent it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from omniroute_agent.core.dedupe import CacheStats
from omniroute_agent.translate.hub import ChatMessage, ChatRequest, ChatResponse, Chunk, ReasoningBlock

MAX_ENTRIES = 10_000


@dataclass(slots=True)
class _Entry:
    signature: str | None
    reasoning: list[ReasoningBlock]


@dataclass(slots=True)
class ReplayCache:
    max_entries: int = MAX_ENTRIES
    _entries: OrderedDict[str, _Entry] = field(default_factory=OrderedDict)

    def remember(self, response: ChatResponse) -> None:
        for choice in response.get("choices") or []:
            message = choice.get("message") or {}
            reasoning = list(message.get("reasoning") or [])
            for call in message.get("tool_calls") or []:
                self._put(call["id"], call.get("signature"), reasoning)

    def _put(self, call_id: str, signature: str | None, reasoning: list[ReasoningBlock]) -> None:
        if not call_id or (signature is None and not any(_replayable(b) for b in reasoning)):
            return
        self._entries[call_id] = _Entry(signature, reasoning)
        self._entries.move_to_end(call_id)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def stats(self) -> CacheStats:
        return CacheStats(len(self._entries), self.max_entries)

    def clear(self) -> int:
        """Forgets every remembered tool call; how many there were."""
        cleared = len(self._entries)
        self._entries.clear()
        return cleared

    def restore(self, request: ChatRequest) -> ChatRequest:
        """A copy of `request` whose assistant tool calls carry what was remembered for them."""
        messages = request.get("messages") or []
        if not self._entries or not any(m.get("tool_calls") for m in messages):
            return request
        return {**request, "messages": [self._restore_message(m) for m in messages]}

    def _restore_message(self, message: ChatMessage) -> ChatMessage:
        calls = message.get("tool_calls")
        if message.get("role") != "assistant" or not calls:
            return message
        entries = [self._entries.get(c["id"]) for c in calls]
        if not any(entries):
            return message
        restored: ChatMessage = {**message}
        restored["tool_calls"] = [
            {**c, "signature": e.signature} if e is not None and e.signature and "signature" not in c else c
            for c, e in zip(calls, entries, strict=True)
        ]
        first = next((e for e in entries if e is not None), None)
        if first is not None and first.reasoning and not message.get("reasoning"):
            restored["reasoning"] = first.reasoning
        return restored


def _replayable(block: ReasoningBlock) -> bool:
    return bool(block.get("signature") or block.get("data"))


@dataclass(slots=True)
class StreamRecorder:
    """Collects, from a stream's hub chunks, the reasoning blocks and tool calls to remember."""

    format: str
    _reasoning: list[ReasoningBlock] = field(default_factory=list)
    _text: str = ""
    _calls: dict[int, tuple[str, str | None]] = field(default_factory=dict)

    def observe(self, chunk: Chunk) -> None:
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            self._text += delta.get("reasoning_content") or ""
            if signature := delta.get("reasoning_signature"):
                self._reasoning.append(
                    {"type": "thinking", "text": self._text, "signature": signature, "format": self.format}
                )
                self._text = ""
            if redacted := delta.get("reasoning_redacted"):
                self._reasoning.append({"type": "redacted", "data": redacted, "format": self.format})
            for call in delta.get("tool_calls") or []:
                index = call.get("index", 0)
                known_id, known_sig = self._calls.get(index, ("", None))
                self._calls[index] = (call.get("id") or known_id, call.get("signature") or known_sig)

    def store(self, cache: ReplayCache) -> None:
        for call_id, signature in self._calls.values():
            cache._put(call_id, signature, self._reasoning)
