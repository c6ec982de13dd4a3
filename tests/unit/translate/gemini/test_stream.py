"""translate/gemini/stream.py: Gemini streams (both framings) decoded in any chunking into the same hub
chunks, which accumulate to the paired response; the encoder's chunks decode back to the same content,
parse with google-genai, and OpenAI Chat streams encode to valid Gemini streams."""

from __future__ import annotations

from typing import Any

import pytest

from omniroute_agent.errors import InvalidRequest, UpstreamError
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame, Framing
from omniroute_agent.translate.gemini import response
from omniroute_agent.translate.gemini.stream import Decoder, Encoder
from omniroute_agent.translate.hub import Chunk
from omniroute_agent.translate.openai_chat.stream import Decoder as OpenAIDecoder

from .. import streams
from ..streams import CHUNKINGS, Chunking, frames, load
from .helpers import GEMINI, OPENAI, accumulate, counts, decode, plain_ids, validate_response, write

# stream fixture: (framing, the paired non-stream response)
STREAMS: dict[str, tuple[Framing, str]] = {
    "text.stream.sse": ("sse", "text.response.json"),
    "text.stream.json": ("json-array", "text.response.json"),
    "thinking.stream.sse": ("sse", "thinking.response.json"),
    "tools.stream.sse": ("sse", "tools.response.json"),
}
FRAMINGS: tuple[Framing, ...] = ("sse", "json-array")


def _decoded(fixture: str) -> list[Chunk]:
    return decode((GEMINI / fixture).read_bytes(), STREAMS[fixture][0])


@pytest.mark.parametrize("chunking", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("fixture", STREAMS)
def test_every_chunking_gives_the_same_hub_chunks(fixture: str, chunking: Chunking) -> None:
    raw = (GEMINI / fixture).read_bytes()
    assert decode(raw, STREAMS[fixture][0], chunking) == _decoded(fixture)


def test_both_framings_give_the_same_hub_chunks() -> None:
    assert _decoded("text.stream.json") == _decoded("text.stream.sse")


@pytest.mark.parametrize("fixture", STREAMS)
def test_stream_accumulates_to_the_response(fixture: str) -> None:
    hub = response.to_hub(load(GEMINI / STREAMS[fixture][1]))
    choice = hub["choices"][0]
    expected = {"message": choice["message"], "finish_reason": choice["finish_reason"], "usage": hub["usage"]}
    # made call ids carry the response id, which differs between the stream and the response fixture
    assert plain_ids(accumulate(_decoded(fixture))) == plain_ids(expected)


@pytest.mark.parametrize("fixture", STREAMS)
def test_decoder_follows_hub_conventions(fixture: str) -> None:
    decoder = Decoder()
    raw = (GEMINI / fixture).read_bytes()
    chunks = [c for f in frames(raw, STREAMS[fixture][0]) for c in decoder.feed(f)]
    assert decoder.done
    assert decoder.error is None
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] is not None
    assert all("usage" not in c for c in chunks)
    (usage,) = decoder.finish()
    assert usage["choices"] == []
    assert usage["usage"] == response.to_hub(load(GEMINI / STREAMS[fixture][1]))["usage"]
    assert decoder.finish() == []  # the cumulative usage is reported once
    assert {c["id"] for c in chunks} == {usage["id"]} != {""}


def _encode(chunks: list[Chunk], context: StreamContext) -> list[Frame]:
    return streams.encode(Encoder(context), chunks)


def _check_gemini_stream(out: list[Frame], context: StreamContext) -> None:
    """Valid chunks; the last one carries finishReason and usageMetadata; ids and model on every chunk."""
    assert out
    for frame in out:
        validate_response(frame.data)
        assert frame.data["modelVersion"] == context.model
        assert frame.data["responseId"] == context.id
    assert [f for f in out if "finishReason" in f.data["candidates"][0]] == out[-1:]
    assert [f for f in out if "usageMetadata" in f.data] == out[-1:]


@pytest.mark.parametrize("kind", FRAMINGS)
@pytest.mark.parametrize("fixture", STREAMS)
def test_encoder_round_trip(fixture: str, kind: Framing) -> None:
    chunks = _decoded(fixture)
    context = StreamContext(id=chunks[0]["id"], model=chunks[0]["model"], created=0)
    out = _encode(chunks, context)
    _check_gemini_stream(out, context)
    again = decode(write(out, kind), kind)
    assert accumulate(again) == accumulate(chunks)  # exact: made ids come back from the same response id


def _openai_chunks(name: str) -> list[Chunk]:
    return streams.decode(OpenAIDecoder(), (OPENAI / name).read_bytes())


OPENAI_STREAMS = ("text.stream.sse", "tools.stream.sse", "reasoning-deepseek.stream.sse")


@pytest.mark.parametrize("kind", FRAMINGS)
@pytest.mark.parametrize("name", OPENAI_STREAMS)
def test_openai_streams_encode_to_valid_gemini_streams(name: str, kind: Framing) -> None:
    chunks = _openai_chunks(name)
    context = StreamContext(id="chatcmpl-x", model="gpt-4.1-mini", created=1)
    out = _encode(chunks, context)
    _check_gemini_stream(out, context)
    calls = [
        p["functionCall"]
        for f in out
        for p in f.data["candidates"][0].get("content", {}).get("parts", [])
        if "functionCall" in p
    ]
    hub = accumulate(chunks)
    expected_calls = hub["message"].get("tool_calls", [])
    assert [c["id"] for c in calls] == [c["id"] for c in expected_calls]  # each call once, whole
    again = accumulate(decode(write(out, kind), kind))
    assert counts(again.pop("usage")) == counts(hub.pop("usage"))
    assert again == hub  # tool_calls too: Gemini says STOP, the decoder sees the calls


def test_tool_call_waits_for_the_next_call() -> None:
    out = _encode(_openai_chunks("tools.stream.sse"), StreamContext(id="i", model="m", created=0))
    parts = [[list(p) for p in f.data["candidates"][0]["content"]["parts"]] for f in out]
    assert parts == [[["functionCall"]], [["functionCall"]]]
    assert out[0].data["candidates"][0]["content"]["parts"][0]["functionCall"]["args"] == {
        "location": "Paris, France",
        "unit": "celsius",
    }


def _hub(delta: dict[str, Any], finish: str | None = None) -> Chunk:
    return {
        "id": "i",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }  # type: ignore[typeddict-item]


def test_signatures_land_on_the_next_answer_part() -> None:
    chunks = [
        _hub({"role": "assistant", "reasoning_content": "a"}),
        _hub({"reasoning_signature": "czE="}),
        _hub({"reasoning_content": "b"}),
        _hub({"reasoning_signature": "czI="}),
        _hub({"content": "x"}),
        _hub({"reasoning_redacted": "b3BhcXVl"}),  # another format's opaque block: nothing to show
        _hub({}, "stop"),
    ]
    context = StreamContext(id="i", model="m", created=0)
    out = _encode(chunks, context)
    assert [p for f in out for p in f.data["candidates"][0]["content"]["parts"]] == [
        {"text": "a", "thought": True},
        {"text": "", "thoughtSignature": "czE="},
        {"text": "b", "thought": True},
        {"text": "x", "thoughtSignature": "czI="},
        {"text": ""},
    ]
    assert out[-1].data["candidates"][0]["finishReason"] == "STOP"
    assert "usageMetadata" not in out[-1].data  # no usage chunk came
    for frame in out:
        validate_response(frame.data)
    assert accumulate(decode(write(out, "sse"), "sse"))["message"]["reasoning"] == [
        {"type": "thinking", "text": "a", "signature": "czE=", "format": "gemini"},
        {"type": "thinking", "text": "b", "signature": "czI=", "format": "gemini"},
    ]


def test_stream_cut_before_finish_still_flushes_calls() -> None:
    chunks = [
        _hub(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": '{"a"'},
                    }
                ]
            }
        ),
        _hub({"tool_calls": [{"index": 0, "function": {"arguments": ":1}"}}]}),
    ]
    out = _encode(chunks, StreamContext(id="i", model="m", created=0))
    assert [f.data["candidates"][0]["content"]["parts"] for f in out] == [
        [{"functionCall": {"name": "f", "args": {"a": 1}, "id": "c1"}}]
    ]


def test_broken_arguments_are_an_upstream_error() -> None:
    chunks = [
        _hub(
            {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{nope"},
                    }
                ]
            }
        ),
        _hub({}, "tool_calls"),
    ]
    with pytest.raises(UpstreamError, match="c1"):
        _encode(chunks, StreamContext(id="i", model="m", created=0))


ERROR_STREAMS: dict[str, tuple[Framing, bytes, int]] = {
    "json-array": ("json-array", (GEMINI / "error-429.stream.json").read_bytes(), 429),
    "sse": (
        "sse",
        b'data: {"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}}\r\n\r\n',
        503,
    ),
    "sse without code": ("sse", b'data: {"error": {"message": "boom"}}\r\n\r\n', 502),
}


@pytest.mark.parametrize(("kind", "raw", "status"), ERROR_STREAMS.values(), ids=ERROR_STREAMS.keys())
def test_decoder_reports_in_stream_errors(kind: Framing, raw: bytes, status: int) -> None:
    decoder = Decoder()
    assert [c for f in frames(raw, kind) for c in decoder.feed(f)] == []
    assert isinstance(decoder.error, UpstreamError)
    assert decoder.error.status == status
    assert not decoder.done


def test_encoder_error_frame_decodes_back() -> None:
    encoder = Encoder(StreamContext(id="i", model="m", created=0))
    (frame,) = encoder.error(InvalidRequest("no such thing"))
    assert frame.data == {"error": {"code": 400, "message": "no such thing", "status": "INVALID_ARGUMENT"}}
    decoder = Decoder()
    decoder.feed(frame)
    assert decoder.error is not None
    assert decoder.error.status == 400
    assert "no such thing" in decoder.error.message


def test_blocked_prompt_in_a_stream() -> None:
    decoder = Decoder()
    chunks = decoder.feed(Frame({"promptFeedback": {"blockReason": "SAFETY"}, "responseId": "r"}))
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, "content_filter"]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant"}
    assert decoder.done


def test_untranslatable_parts_are_refused_not_dropped() -> None:
    frame = Frame({"candidates": [{"content": {"role": "model", "parts": [{"executableCode": {"code": "1"}}]}}]})
    with pytest.raises(InvalidRequest, match="executableCode"):
        Decoder().feed(frame)
