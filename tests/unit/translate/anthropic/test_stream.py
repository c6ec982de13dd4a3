"""translate/anthropic/stream.py: the decoder gives the same hub chunks however the bytes are split,
and they add up to the paired non-stream response; the encoder writes a stream the SDK validates
and accumulates, that decodes back to the same content (also from OpenAI streams)."""

from __future__ import annotations

from typing import Any

import pytest
from anthropic.lib.streaming._messages import accumulate_event
from anthropic.types import Message
from anthropic.types.shared import ErrorResponse

from omniroute_agent.errors import InvalidRequest, UpstreamError
from omniroute_agent.translate.anthropic import response
from omniroute_agent.translate.anthropic.stream import Decoder, Encoder
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame
from omniroute_agent.translate.hub import Chunk
from omniroute_agent.translate.openai_chat import stream as oa_stream

from .. import streams
from ..streams import SSE_CHUNKINGS, Chunking, frames, load, whole
from .helpers import ANTHROPIC, EVENT, OPENAI, accumulate, summary, write

PAIRS = {
    "text.stream.sse": "text.response.json",
    "tools.stream.sse": "tools.response.json",
    "thinking.stream.sse": "thinking.response.json",
    "thinking-redacted.stream.sse": "thinking-redacted.response.json",
}


def decode(raw: bytes, chunking: Chunking = whole) -> tuple[Decoder, list[Chunk]]:
    decoder = Decoder()
    return decoder, streams.decode(decoder, raw, chunking=chunking)


@pytest.mark.parametrize("chunking", SSE_CHUNKINGS.values(), ids=SSE_CHUNKINGS.keys())
@pytest.mark.parametrize("name", PAIRS)
def test_chunkings_agree(name: str, chunking: Chunking) -> None:
    raw = (ANTHROPIC / name).read_bytes()
    decoder, chunks = decode(raw, chunking)
    assert chunks == decode(raw)[1]
    assert decoder.done
    assert decoder.error is None


@pytest.mark.parametrize("name", PAIRS)
def test_decoded_stream_equals_the_response(name: str) -> None:
    _, chunks = decode((ANTHROPIC / name).read_bytes())
    assert accumulate(chunks) == summary(response.to_hub(load(ANTHROPIC / PAIRS[name])))


@pytest.mark.parametrize("name", PAIRS)
def test_hub_stream_conventions(name: str) -> None:
    _, chunks = decode((ANTHROPIC / name).read_bytes())
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]
    finish = chunks[-2]["choices"][0]
    assert finish["delta"] == {}
    assert finish["finish_reason"] in ("stop", "tool_calls")
    assert {c["id"] for c in chunks} == {chunks[0]["id"]}
    assert chunks[0]["id"].startswith("msg_")
    for call in streams.tool_call_deltas(chunks):
        assert set(call) in ({"index", "id", "type", "function"}, {"index", "function"})
        if "id" in call:
            assert call["function"] == {"name": "get_weather", "arguments": ""}


def test_tool_indexes_count_tool_blocks_only() -> None:
    _, chunks = decode((ANTHROPIC / "tools.stream.sse").read_bytes())
    starts = [c for c in streams.tool_call_deltas(chunks) if "id" in c]
    assert [(c["index"], c["id"]) for c in starts] == [
        (0, "toolu_01VxcwrWVZweDCtZXhgsC7VL"),
        (1, "toolu_01XJjajPAR1QXJitWmxfFc1j"),
    ]


@pytest.mark.parametrize("chunking", SSE_CHUNKINGS.values(), ids=SSE_CHUNKINGS.keys())
def test_error_stream(chunking: Chunking) -> None:
    decoder, chunks = decode((ANTHROPIC / "error-stream.sse").read_bytes(), chunking)
    assert isinstance(decoder.error, UpstreamError)
    assert (decoder.error.status, decoder.error.code) == (529, "overloaded_error")
    assert "Overloaded" in decoder.error.message
    assert not decoder.done
    assert accumulate(chunks)["content"] == "The capital of"


@pytest.mark.parametrize(
    ("frame", "chunks"),
    [
        pytest.param(Frame({"type": "ping"}, "ping"), [], id="ping"),
        pytest.param(Frame("not json", "message_start"), [], id="not-json"),
        pytest.param(
            Frame({"type": "content_block_delta", "index": 0, "delta": {"type": "citations_delta"}}),
            [],
            id="citations",
        ),
        pytest.param(Frame({"type": "something_new"}), [], id="unknown"),
    ],
)
def test_decoder_ignores(frame: Frame, chunks: list[Chunk]) -> None:
    decoder = Decoder()
    assert decoder.feed(frame) == chunks
    assert (decoder.done, decoder.error) == (False, None)


# --- the encoder -------------------------------------------------------------------------------


def context(**extra: Any) -> StreamContext:
    return StreamContext(id="chatcmpl-abc", model="claude-gw", created=1, **extra)


def encode(chunks: list[Chunk]) -> list[dict[str, Any]]:
    """Encode, write as SSE bytes, parse back; check every event with the SDK and the block grammar."""
    parsed = frames(write(streams.encode(Encoder(context()), chunks)))
    for frame in parsed:
        assert frame.event == frame.data["type"]
        EVENT.validate_python(frame.data)
    events = [f.data for f in parsed]
    check_grammar(events)
    return events


def check_grammar(events: list[dict[str, Any]]) -> None:
    names = [e["type"] for e in events]
    assert names[0] == "message_start"
    assert names[-2:] == ["message_delta", "message_stop"]
    assert names.count("message_delta") == 1
    assert "ping" not in names
    open_index: int | None = None
    next_index = 0
    for event in events:
        if event["type"] == "content_block_start":
            assert open_index is None, "a block started while another is open"
            assert event["index"] == next_index
            open_index, next_index = event["index"], next_index + 1
        elif event["type"] == "content_block_delta":
            assert event["index"] == open_index
        elif event["type"] == "content_block_stop":
            assert event["index"] == open_index
            open_index = None
        elif event["type"] in ("message_delta", "message_stop"):
            assert open_index is None


def sdk_message(events: list[dict[str, Any]]) -> Message:
    snapshot = None
    buffers: dict[int, bytes] = {}
    for event in events:
        if event["type"] != "message_stop":
            snapshot = accumulate_event(
                event=EVENT.validate_python(event), current_snapshot=snapshot, json_bufs=buffers
            )
    return Message.model_validate(snapshot.to_dict())  # type: ignore[union-attr]


def redecode(events: list[dict[str, Any]]) -> list[Chunk]:
    decoder = Decoder()
    chunks = [c for e in events for c in decoder.feed(Frame(e, e["type"]))]
    assert decoder.done
    return chunks


@pytest.mark.parametrize("name", PAIRS)
def test_encoder_round_trip(name: str) -> None:
    _, chunks = decode((ANTHROPIC / name).read_bytes())
    events = encode(chunks)
    assert accumulate(redecode(events)) == accumulate(chunks)
    fixture = load(ANTHROPIC / PAIRS[name])
    message = sdk_message(events)
    assert [b.to_dict() for b in message.content] == fixture["content"]
    assert message.stop_reason == fixture["stop_reason"]
    assert (message.usage.input_tokens, message.usage.output_tokens) == (
        fixture["usage"]["input_tokens"],
        fixture["usage"]["output_tokens"],
    )
    assert message.id == "msg_chatcmpl-abc"
    assert message.model == "claude-gw"


def decode_openai(name: str) -> list[Chunk]:
    return streams.decode(oa_stream.Decoder(), (OPENAI / name).read_bytes())


def test_openai_text_stream_encoded() -> None:
    events = encode(decode_openai("text.stream.sse"))
    message = sdk_message(events)
    assert [b.to_dict() for b in message.content] == [{"type": "text", "text": "The capital of France is Paris."}]
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (27, 8)


def test_openai_tools_stream_encoded() -> None:
    chunks = decode_openai("tools.stream.sse")
    events = encode(chunks)
    message = sdk_message(events)
    assert [b.to_dict() for b in message.content] == [
        {
            "type": "tool_use",
            "id": "call_c3j27xdcg2lMLzgeonyLGcTJ",
            "name": "get_weather",
            "input": {"location": "Paris, France", "unit": "celsius"},
        },
        {
            "type": "tool_use",
            "id": "call_eRqhqWJYAXeRpzds3mOjAqnJ",
            "name": "get_weather",
            "input": {"location": "Tokyo, Japan", "unit": "celsius"},
        },
    ]
    assert message.stop_reason == "tool_use"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (96, 54)
    assert accumulate(redecode(events))["tool_calls"] == accumulate(chunks)["tool_calls"]


def test_openai_deepseek_reasoning_stream_encoded() -> None:
    message = sdk_message(encode(decode_openai("reasoning-deepseek.stream.sse")))
    assert [b.type for b in message.content] == ["thinking", "text"]


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> Chunk:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": "",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "",
        "choices": choices,
        **extra,  # type: ignore[typeddict-item]
    }


def test_encoder_switches_blocks_as_kinds_change() -> None:
    call = {"index": 0, "id": "toolu_1", "type": "function", "function": {"name": "f", "arguments": ""}}
    events = encode(
        [
            chunk({"role": "assistant"}),
            chunk({"reasoning_content": "think"}),
            chunk({"content": "say"}),
            chunk({"reasoning_content": "more", "reasoning_signature": "sig"}),
            chunk({"reasoning_redacted": "opaque"}),
            chunk({"tool_calls": [call]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"a":'}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
            chunk({}, "stop"),  # after tool calls: tool_use
            chunk(
                usage={
                    "prompt_tokens": 30,
                    "completion_tokens": 4,
                    "total_tokens": 34,
                    "prompt_tokens_details": {"cached_tokens": 20},
                }
            ),
        ]
    )
    message = sdk_message(events)
    assert [b.to_dict() for b in message.content] == [
        {"type": "thinking", "thinking": "think", "signature": ""},
        {"type": "text", "text": "say"},
        {"type": "thinking", "thinking": "more", "signature": "sig"},
        {"type": "redacted_thinking", "data": "opaque"},
        {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}},
    ]
    assert message.stop_reason == "tool_use"
    assert events[-2]["usage"] == {"input_tokens": 10, "output_tokens": 4, "cache_read_input_tokens": 20}


def test_encoder_empty_stream_is_complete() -> None:
    events = encode([])
    assert [e["type"] for e in events] == ["message_start", "message_delta", "message_stop"]
    assert events[1]["delta"]["stop_reason"] == "end_turn"


def test_encoder_usage_on_the_finish_chunk() -> None:
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    events = encode([chunk({"content": "hi"}), chunk({}, "length", usage=usage)])
    assert events[-2]["delta"]["stop_reason"] == "max_tokens"
    assert events[-2]["usage"] == {"input_tokens": 3, "output_tokens": 2}


def test_encoder_message_delta_as_soon_as_usage_follows_finish() -> None:
    encoder = Encoder(context())
    encoder.feed(chunk({"content": "hi"}))
    encoder.feed(chunk({}, "stop"))
    out = encoder.feed(chunk(usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}))
    assert [f.event for f in out] == ["message_delta"]
    assert [f.event for f in encoder.finish()] == ["message_stop"]


@pytest.mark.parametrize(
    ("exc", "kind", "decoded_status"),
    [
        (UpstreamError("Overloaded", status=529), "overloaded_error", 529),
        (UpstreamError("slow down", status=429), "rate_limit_error", 429),
        (InvalidRequest("bad"), "invalid_request_error", 400),
        (UpstreamError("down", status=502), "api_error", 500),
    ],
)
def test_encoder_error(exc: UpstreamError | InvalidRequest, kind: str, decoded_status: int) -> None:
    encoder = Encoder(context())
    encoder.feed(chunk({"content": "partial"}))
    [frame] = encoder.error(exc)
    assert frame.event == "error"
    assert frame.data == {"type": "error", "error": {"type": kind, "message": exc.message}}
    ErrorResponse.model_validate(frame.data)
    decoder = Decoder()
    decoder.feed(frame)
    assert decoder.error is not None
    assert decoder.error.status == decoded_status
