from __future__ import annotations

from omniroute_agent.core.replay import ReplayCache, StreamRecorder
from omniroute_agent.translate.hub import ChatRequest, ChatResponse

CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
THINKING = {"type": "thinking", "text": "hmm", "signature": "sig-a", "format": "anthropic"}


def response(**call_extra: object) -> ChatResponse:
    return {
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "reasoning": [THINKING],
                    "tool_calls": [{**CALL, **call_extra}],
                },
            }
        ]
    }  # type: ignore[typeddict-item]


def history(**call_extra: object) -> ChatRequest:
    return {
        "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": None, "tool_calls": [{**CALL, **call_extra}]},  # type: ignore[typeddict-item]
            {"role": "tool", "tool_call_id": "call_1", "content": "1"},
        ]
    }


def test_signature_and_reasoning_come_back_on_the_same_call_id():
    cache = ReplayCache()
    cache.remember(response(signature="gem-sig"))
    restored = cache.restore(history())
    assistant = restored["messages"][1]
    assert assistant["tool_calls"][0]["signature"] == "gem-sig"
    assert assistant["reasoning"] == [THINKING]


def test_what_the_client_sent_wins_and_unknown_ids_are_left_alone():
    cache = ReplayCache()
    cache.remember(response(signature="gem-sig"))
    assert cache.restore(history(signature="client-sig"))["messages"][1]["tool_calls"][0]["signature"] == "client-sig"
    other = history()
    other["messages"][1]["tool_calls"][0]["id"] = "call_other"
    assert cache.restore(other) == other


def test_the_cache_is_bounded():
    cache = ReplayCache(max_entries=2)
    for n in range(3):
        cache.remember(response(id=f"call_{n}", signature=f"s{n}"))
    assert "call_0" not in cache._entries
    assert list(cache._entries) == ["call_1", "call_2"]


def test_a_stream_recorder_collects_signed_reasoning_and_call_signatures():
    recorder = StreamRecorder("gemini")
    for delta in (
        {"reasoning_content": "think"},
        {"reasoning_signature": "r-sig"},
        {"tool_calls": [{"index": 0, "id": "call_9", "function": {"name": "f"}, "signature": "c-sig"}]},
        {"tool_calls": [{"index": 0, "function": {"arguments": "{}"}}]},
    ):
        recorder.observe({"choices": [{"index": 0, "delta": delta}]})  # type: ignore[typeddict-item]
    cache = ReplayCache()
    recorder.store(cache)
    entry = cache._entries["call_9"]
    assert entry.signature == "c-sig"
    assert entry.reasoning == [{"type": "thinking", "text": "think", "signature": "r-sig", "format": "gemini"}]
