"""translate/ollama/stream.py: NDJSON fixtures decoded in several chunkings give the same hub chunks,
which add up to the paired non-stream response; the encoder writes them back as a valid Ollama stream
that decodes to the same content; OpenAI streams encode to valid Ollama streams."""

from __future__ import annotations

import json
from typing import Any

import pytest

from omniroute_agent.errors import InvalidRequest, UpstreamError
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame, NDJSONWriter
from omniroute_agent.translate.hub import ChatResponse, Chunk
from omniroute_agent.translate.ollama.response import to_hub as response_to_hub
from omniroute_agent.translate.ollama.stream import Decoder, Encoder
from omniroute_agent.translate.openai_chat.stream import Decoder as OpenAIDecoder
from tests.unit.translate import streams
from tests.unit.translate.ollama.helpers import OLLAMA, OPENAI, check_response
from tests.unit.translate.streams import CHUNKINGS, Chunking, load, whole

PAIRS = {
    "text.stream.ndjson": "text.response.json",
    "thinking.stream.ndjson": "thinking.response.json",
    "tools.stream.ndjson": "tools.response.json",
}
CONTEXT = StreamContext(id="chatcmpl-1", model="llama3.2", created=1763647381)


def decode(raw: bytes, chunking: Chunking = whole) -> tuple[list[Chunk], Decoder]:
    decoder = Decoder()
    return streams.decode(decoder, raw, "ndjson", chunking), decoder


def encode(chunks: list[Chunk], context: StreamContext = CONTEXT) -> bytes:
    frames = streams.encode(Encoder(context), chunks)
    assert all(f.event is None for f in frames)
    return streams.write(frames, NDJSONWriter())


def accumulate(chunks: list[Chunk]) -> dict[str, Any]:
    """Text, reasoning, tool calls, finish reason and usage that a client would add up from hub chunks."""
    return summary(streams.accumulate(chunks))


def summary(response: ChatResponse) -> dict[str, Any]:
    message = response["choices"][0]["message"]
    return {
        "content": message.get("content") or "",
        "reasoning": message.get("reasoning_content", ""),
        "tool_calls": [
            {"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]}
            for c in message.get("tool_calls", [])
        ],
        "finish": response["choices"][0]["finish_reason"],
        "usage": response.get("usage"),
    }


def lines(raw: bytes) -> list[dict[str, Any]]:
    assert raw.endswith(b"\n")
    return [json.loads(line) for line in raw.decode().split("\n")[:-1]]


def check_stream(objects: list[dict[str, Any]]) -> None:
    """A valid Ollama stream: done=false objects, then one done=true object; calls whole, indexed in order."""
    *body, last = objects
    for obj in body:
        check_response(obj, final=False)
    check_response(last)
    assert [o["created_at"] for o in objects] == sorted(o["created_at"] for o in objects)
    indexes = [c["function"]["index"] for o in objects for c in o["message"].get("tool_calls", [])]
    assert indexes == list(range(len(indexes)))


@pytest.mark.parametrize("chunking", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("fixture", PAIRS)
def test_chunkings_give_the_same_hub_chunks(fixture: str, chunking: Chunking) -> None:
    raw = (OLLAMA / fixture).read_bytes()
    chunks, decoder = decode(raw, chunking)
    assert chunks == decode(raw)[0]
    assert decoder.done
    assert decoder.error is None


@pytest.mark.parametrize(("fixture", "pair"), PAIRS.items())
def test_hub_chunks_add_up_to_the_paired_response(fixture: str, pair: str) -> None:
    chunks, _ = decode((OLLAMA / fixture).read_bytes())
    assert accumulate(chunks) == summary(response_to_hub(load(OLLAMA / pair)))
    # the hub stream conventions
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all(c["object"] == "chat.completion.chunk" and c["id"] == "" for c in chunks)
    assert all(c["model"] == load(OLLAMA / pair)["model"] for c in chunks)
    finish, usage = chunks[-2:]
    assert finish["choices"] == [{"index": 0, "delta": {}, "finish_reason": accumulate(chunks)["finish"]}]
    assert usage["choices"] == []
    assert usage["usage"] == response_to_hub(load(OLLAMA / pair))["usage"]


def test_tool_call_deltas_are_whole() -> None:
    chunks, _ = decode((OLLAMA / "tools.stream.ndjson").read_bytes())
    calls = streams.tool_call_deltas(chunks)
    assert calls == [
        {
            "index": 0,
            "id": "call_29326ml6",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location":"Paris, France","unit":"celsius"}'},
        },
        {
            "index": 1,
            "id": "call_4r7wjyax",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location":"Tokyo, Japan","unit":"celsius"}'},
        },
    ]


@pytest.mark.parametrize("chunking", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("fixture", PAIRS)
def test_encoder_round_trip(fixture: str, chunking: Chunking) -> None:
    chunks, _ = decode((OLLAMA / fixture).read_bytes())
    raw = encode(chunks)
    check_stream(lines(raw))
    again, decoder = decode(raw, chunking)
    assert decoder.done
    assert accumulate(again) == accumulate(chunks)


def test_encoder_output_matches_fixture_lines() -> None:
    """Apart from timestamps and the timing counters, the encoder writes what Ollama wrote."""
    source = lines((OLLAMA / "tools.stream.ndjson").read_bytes())
    chunks, _ = decode((OLLAMA / "tools.stream.ndjson").read_bytes())
    written = lines(encode(chunks, StreamContext(id="x", model="qwen3:8b", created=0)))
    timing = {"created_at", "total_duration", "load_duration", "prompt_eval_duration", "eval_duration"}
    assert [{k: v for k, v in o.items() if k not in timing} for o in written] == [
        {k: v for k, v in o.items() if k not in timing} for o in source
    ]


OPENAI_STREAMS = {
    # fixture: (content, tool calls (id, name, arguments), done_reason, prompt_eval_count, eval_count)
    "text.stream.sse": ("The capital of France is Paris.", [], "stop", 27, 8),
    "tools.stream.sse": (
        "",
        [
            (
                "call_c3j27xdcg2lMLzgeonyLGcTJ",
                "get_weather",
                {"location": "Paris, France", "unit": "celsius"},
            ),
            ("call_eRqhqWJYAXeRpzds3mOjAqnJ", "get_weather", {"location": "Tokyo, Japan", "unit": "celsius"}),
        ],
        "stop",
        96,
        54,
    ),
    "reasoning-deepseek.stream.sse": (None, [], "stop", 18, 96),
}


@pytest.mark.parametrize("fixture", OPENAI_STREAMS)
def test_openai_streams_encode_to_valid_ollama_streams(fixture: str) -> None:
    content, calls, reason, prompt, completion = OPENAI_STREAMS[fixture]
    chunks = streams.decode(OpenAIDecoder(), (OPENAI / fixture).read_bytes())
    objects = lines(encode(chunks, StreamContext(id="x", model="gpt-4.1-mini", created=1763651200)))
    check_stream(objects)
    last = objects[-1]
    assert (last["done_reason"], last["prompt_eval_count"], last["eval_count"]) == (
        reason,
        prompt,
        completion,
    )
    assert last["message"] == {"role": "assistant", "content": ""}
    text = "".join(o["message"]["content"] for o in objects)
    if content is not None:
        assert text == content
    else:
        assert text
        assert "".join(o["message"].get("thinking", "") for o in objects)
    written = [
        (c["id"], c["function"]["name"], c["function"]["arguments"])
        for o in objects
        for c in o["message"].get("tool_calls", [])
    ]
    assert written == calls
    assert all(len(o["message"].get("tool_calls", [])) <= 1 for o in objects)  # one whole call per line


@pytest.mark.parametrize("chunking", CHUNKINGS.values(), ids=CHUNKINGS.keys())
def test_error_stream(chunking: Chunking) -> None:
    chunks, decoder = decode((OLLAMA / "error-stream.ndjson").read_bytes(), chunking)
    assert isinstance(decoder.error, UpstreamError)
    assert decoder.error.status == 500
    assert "an error was encountered while running the model" in decoder.error.message
    assert not decoder.done
    assert accumulate(chunks)["content"] == "The capital of"
    assert accumulate(chunks)["finish"] is None


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ({"error": "model 'x' not found", "status": 404}, 404),
        ({"error": "boom"}, 500),
        ({"error": "x", "status": "?"}, 500),
    ],
)
def test_error_line_status(line: dict[str, Any], status: int) -> None:
    decoder = Decoder()
    assert decoder.feed(Frame(line)) == []
    assert decoder.error is not None
    assert decoder.error.status == status
    assert decoder.feed(Frame({"message": {"content": "late"}, "done": False})) == []


def test_decoder_role_first_noise_ignored_nothing_after_done() -> None:
    decoder = Decoder()
    assert decoder.feed(Frame("not json")) == []
    [first] = decoder.feed(Frame({"model": "m", "message": {"role": "assistant", "content": ""}, "done": False}))
    assert first["choices"] == [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]
    assert decoder.feed(Frame({"model": "m", "message": {"role": "assistant", "content": ""}, "done": False})) == []
    line = {
        "model": "m",
        "message": {"role": "assistant", "content": "hi"},
        "done": True,
        "done_reason": "length",
    }
    final = decoder.feed(Frame({**line, "eval_count": 1}))
    assert [c["choices"] for c in final] == [
        [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}],
        [{"index": 0, "delta": {}, "finish_reason": "length"}],
        [],
    ]
    assert final[-1]["usage"] == {"prompt_tokens": 0, "completion_tokens": 1, "total_tokens": 1}
    assert decoder.done
    assert decoder.feed(Frame({"message": {"content": "late"}, "done": False})) == []


def test_empty_answer_still_names_the_role() -> None:
    line = {
        "model": "m",
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": "stop",
    }
    chunks = Decoder().feed(Frame(line))
    assert [c["choices"] for c in chunks] == [
        [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}],
        [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        [],
    ]


def test_cut_stream_is_not_done() -> None:
    raw = (OLLAMA / "text.stream.ndjson").read_bytes()
    chunks, decoder = decode(raw[: raw.rindex(b'{"model"')])
    assert not decoder.done
    assert accumulate(chunks)["content"] == "The capital of France is Paris."


def test_decoder_gives_ids_to_calls_without_one() -> None:
    decoder = Decoder()
    chunks = decoder.feed(
        Frame(
            {
                "message": {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {"function": {"name": "a", "arguments": {}}},
                        {"function": {"name": "b", "arguments": {"x": 1}}},
                    ],
                },
                "done": False,
            }
        )
    )
    calls = chunks[0]["choices"][0]["delta"]["tool_calls"]
    assert [(c["index"], c["id"], c["function"]["arguments"]) for c in calls] == [
        (0, "call_0", "{}"),
        (1, "call_1", '{"x":1}'),
    ]
    with pytest.raises(UpstreamError, match=r"function\.name"):
        decoder.feed(Frame({"message": {"tool_calls": [{"function": {}}]}, "done": False}))


def test_encoder_error_ends_the_stream() -> None:
    encoder = Encoder(CONTEXT)
    frames = encoder.feed({"choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}}]})
    assert [f.data["message"]["content"] for f in frames] == ["Hi"]
    [error] = encoder.error(UpstreamError("overloaded", status=503))
    assert error.data == {"error": "overloaded"}
    assert error.event is None
    assert encoder.finish() == []
    assert encoder.feed({"choices": [{"index": 0, "delta": {"content": "late"}}]}) == []


def test_encoder_without_finish_chunk_still_ends_with_done() -> None:
    encoder = Encoder(StreamContext(id="x", model="m", created=0))
    encoder.feed(
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "f", "arguments": '{"a":'},
                            }
                        ]
                    },
                }
            ]
        }
    )
    encoder.feed({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}}]})
    frames = encoder.finish()
    check_stream([f.data for f in frames])
    assert frames[0].data["message"]["tool_calls"] == [
        {"id": "call_1", "function": {"index": 0, "name": "f", "arguments": {"a": 1}}}
    ]
    assert frames[-1].data["done_reason"] == "stop"


def test_encoder_skips_what_ollama_cannot_carry() -> None:
    encoder = Encoder(CONTEXT)
    for delta in (
        {"role": "assistant", "content": ""},
        {"reasoning_signature": "sig"},
        {"reasoning_redacted": "opaque"},
    ):
        assert encoder.feed({"choices": [{"index": 0, "delta": delta}]}) == []  # type: ignore[typeddict-item]
    [frame] = encoder.feed({"choices": [{"index": 0, "delta": {"reasoning_content": "hm", "content": "ok"}}]})
    assert frame.data["message"] == {"role": "assistant", "content": "ok", "thinking": "hm"}


def test_encoder_refuses_arguments_that_are_not_an_object() -> None:
    encoder = Encoder(CONTEXT)
    encoder.feed(
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "c1",
                                "type": "function",
                                "function": {"name": "f", "arguments": '{"cut'},
                            }
                        ]
                    },
                }
            ]
        }
    )
    with pytest.raises(UpstreamError, match="not valid JSON") as info:
        encoder.feed({"choices": [{"index": 0, "delta": {}, "finish_reason": "length"}]})
    assert not isinstance(info.value, InvalidRequest)
