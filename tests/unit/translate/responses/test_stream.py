"""translate/responses/stream.py and encoder.py: Responses event streams to hub chunks in any
chunking, and hub chunks back to an event stream the openai SDK accepts and accumulates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from omniroute_agent.errors import AuthenticationFailed, GatewayError, InvalidRequest, UpstreamError
from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.framing import Frame
from omniroute_agent.translate.hub import Chunk, make_usage
from omniroute_agent.translate.openai_chat import stream as chat_stream
from omniroute_agent.translate.responses.response import to_hub as response_to_hub
from omniroute_agent.translate.responses.stream import Decoder, Encoder

from .. import streams
from ..streams import CHUNKINGS, Chunking, frames, load
from .support import (
    CHAT,
    RESPONSES,
    accumulate,
    decode,
    response_summary,
    sdk_event,
    sdk_response,
    sdk_stream,
    write,
)

PAIRS = {"text.stream.sse": "text.response.json", "tools.stream.sse": "tools.response.json"}
PAIRS["reasoning.stream.sse"] = "reasoning.response.json"


def raw(name: str) -> bytes:
    return (RESPONSES / name).read_bytes()


def encode(chunks: list[Chunk], context: StreamContext | None = None) -> list[Frame]:
    context = context or StreamContext(id="chatcmpl-abc123", model="gpt-4.1-mini", created=1763651300)
    return streams.encode(Encoder(context), chunks)


def check_stream(out: list[Frame]) -> dict[str, Any]:
    """The wire grammar of a Responses stream, checked event by event; returns the final response."""
    datas = [f.data for f in out]
    for i, frame in enumerate(out):
        assert frame.event == frame.data["type"]
        assert frame.data["sequence_number"] == i
        sdk_event(frame.data)
    assert [d["type"] for d in datas[:2]] == ["response.created", "response.in_progress"]
    assert datas[-1]["type"] in ("response.completed", "response.incomplete")
    added: dict[str, int] = {}
    done_items: list[dict[str, Any]] = []
    sums: dict[tuple[str, str], str] = {}
    for d in datas:
        kind = d["type"]
        if kind == "response.output_item.added":
            assert d["output_index"] == len(added)  # output indexes count up from 0
            added[d["item"]["id"]] = d["output_index"]
        elif kind.endswith(".delta"):
            assert added[d["item_id"]] == d["output_index"]
            key = (d["item_id"], kind.removesuffix(".delta"))
            sums[key] = sums.get(key, "") + d["delta"]
        elif kind in ("response.output_text.done", "response.reasoning_summary_text.done"):
            assert sums.get((d["item_id"], kind.removesuffix(".done")), "") == d["text"]
        elif kind == "response.function_call_arguments.done":
            assert sums.get((d["item_id"], "response.function_call_arguments"), "") == d["arguments"]
            json.loads(d["arguments"])
        elif kind == "response.output_item.done":
            assert added[d["item"]["id"]] == d["output_index"]
            done_items.append(d["item"])
    final: dict[str, Any] = datas[-1]["response"]
    sdk_response(final)
    assert sorted(final["output"], key=lambda o: str(o["id"])) == sorted(done_items, key=lambda o: str(o["id"]))
    assert [o["id"] for o in final["output"]] == list(added)
    return final


# ---- decoding --------------------------------------------------------------------------------


@pytest.mark.parametrize("chunking", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize(("stream", "pair"), PAIRS.items(), ids=PAIRS.keys())
def test_decode_equals_the_paired_response(stream: str, pair: str, chunking: Chunking) -> None:
    chunks, decoder = decode(raw(stream), chunking)
    assert chunks == decode(raw(stream))[0]  # the same chunks in every chunking
    assert decoder.done
    assert decoder.error is None
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"] == []
    assert all(c["id"].startswith("resp_") and c["object"] == "chat.completion.chunk" for c in chunks)
    assert accumulate(chunks) == response_summary(response_to_hub(load(RESPONSES / pair)))


def test_decoded_tool_calls_follow_the_hub_convention() -> None:
    chunks, _ = decode(raw("tools.stream.sse"))
    firsts = [c for c in streams.tool_call_deltas(chunks) if "id" in c]
    assert firsts == [
        {
            "index": 0,
            "id": "call_08N68UfMZanzKoMsajOLqda0",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        },
        {
            "index": 1,
            "id": "call_e1qlnTsd5awqKXOhdBYm9Pud",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        },
    ]


def test_done_values_fill_in_what_the_deltas_did_not_send() -> None:
    """A provider that sends the final values without (all) deltas still yields the whole text."""
    kept = [
        f
        for f in frames(raw("reasoning.stream.sse"))
        if f.data["type"] not in ("response.output_text.delta", "response.reasoning_summary_text.delta")
        or f.data["sequence_number"] in (4, 17)
    ]
    decoder = Decoder()
    chunks = [c for f in kept for c in decoder.feed(f)]
    assert accumulate(chunks) == response_summary(response_to_hub(load(RESPONSES / "reasoning.response.json")))


@pytest.mark.parametrize(
    ("stream", "status", "code", "done"),
    [
        ("error-stream.sse", 502, "server_error", False),
        ("error-stream-observed.sse", 429, "rate_limit_exceeded", True),
    ],
    ids=["documented-flat", "observed-nested"],
)
def test_in_stream_errors(stream: str, status: int, code: str, done: bool) -> None:
    chunks, decoder = decode(raw(stream))
    assert isinstance(decoder.error, UpstreamError)
    assert (decoder.error.status, decoder.error.code, decoder.done) == (status, code, done)
    assert ("server had an error" in decoder.error.message) or ("Rate limit reached" in decoder.error.message)
    if stream == "error-stream.sse":
        assert accumulate(chunks)["content"] == "The capital"


# ---- encoding --------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", PAIRS, ids=PAIRS.keys())
def test_encode_decoded_fixture(stream: str) -> None:
    chunks, _ = decode(raw(stream))
    out = encode(chunks)
    final = check_stream(out)
    wire = write(out)
    again, decoder = decode(wire)
    assert decoder.done
    assert accumulate(again) == accumulate(chunks)  # text, reasoning, tool-call ids and names, finish, usage
    sdk = sdk_stream(wire)
    assert sdk.output_text == accumulate(chunks)["content"]
    assert sdk.model_dump(mode="json", exclude_none=True) == sdk_response(final).model_dump(
        mode="json", exclude_none=True
    )


CHAT_STREAMS = ["text.stream.sse", "tools.stream.sse", "reasoning-deepseek.stream.sse"]


@pytest.mark.parametrize("stream", CHAT_STREAMS)
def test_encode_openai_chat_streams(stream: str) -> None:
    chunks = streams.decode(chat_stream.Decoder(), (CHAT / stream).read_bytes())
    out = encode(chunks)
    final = check_stream(out)
    assert final["id"] == "resp_chatcmplabc123"
    assert final["status"] == "completed"
    expected = accumulate(chunks)
    again = accumulate(decode(write(out))[0])
    usage, expected_usage = again.pop("usage"), expected.pop("usage")
    assert again == expected
    # Responses usage has no audio or prediction counts
    assert usage == make_usage(
        expected_usage["prompt_tokens"],
        expected_usage["completion_tokens"],
        cached=expected_usage["prompt_tokens_details"]["cached_tokens"],
        reasoning=expected_usage["completion_tokens_details"]["reasoning_tokens"],
    ) | {
        "prompt_tokens_details": usage["prompt_tokens_details"],
        "completion_tokens_details": usage["completion_tokens_details"],
    }
    sdk = sdk_stream(write(out))
    assert sdk.output_text == expected["content"]
    assert [(o.call_id, o.name, o.arguments) for o in sdk.output if o.type == "function_call"] == [
        (c["id"], c["name"], c["arguments"]) for c in expected["tool_calls"]
    ]


def hub_chunk(delta: dict[str, Any], finish: str | None = None) -> Chunk:
    return {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [
        {"index": 0, "delta": delta, "finish_reason": finish}  # type: ignore[typeddict-item]
    ]}  # fmt: skip


USAGE: Chunk = {
    "choices": [],
    "usage": {
        "prompt_tokens": 5,
        "completion_tokens": 7,
        "total_tokens": 12,
        "completion_tokens_details": {"reasoning_tokens": 3},
    },
}
CALL0 = {"index": 0, "id": "call_a", "type": "function", "function": {"name": "f", "arguments": ""}}
CALL1 = {"index": 1, "id": "call_b", "type": "function", "function": {"name": "g", "arguments": '{"y":'}}
SCENARIOS: dict[str, list[Chunk]] = {
    "reasoning, redacted, text, calls": [
        hub_chunk({"role": "assistant", "reasoning_content": "Think"}),
        hub_chunk({"reasoning_content": "ing."}),
        hub_chunk({"reasoning_signature": "sig"}),
        hub_chunk({"reasoning_redacted": "opaque"}),
        hub_chunk({"content": "Calling."}),
        hub_chunk({"tool_calls": [CALL0]}),
        hub_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"x":'}}]}),
        hub_chunk({"tool_calls": [CALL1]}),  # interleaved: call 0 is not finished
        hub_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}),
        hub_chunk({"tool_calls": [{"index": 1, "function": {"arguments": "2}"}}]}),
        hub_chunk({}, "tool_calls"),
        USAGE,
    ],
    "text and refusal": [
        hub_chunk({"role": "assistant", "content": "Sorry"}),
        hub_chunk({"refusal": "I can't help with that."}),
        hub_chunk({}, "stop"),
    ],
    "cut at max tokens": [
        hub_chunk({"role": "assistant", "content": "The planets are"}),
        hub_chunk({}, "length"),
        USAGE,
    ],
    "nothing": [],
}


@pytest.mark.parametrize("chunks", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_encoder_scenarios(chunks: list[Chunk]) -> None:
    out = encode(chunks)
    final = check_stream(out)
    sdk = sdk_stream(write(out))
    assert sdk.id == final["id"]
    expected = accumulate(chunks)
    again = accumulate(decode(write(out))[0])
    assert again["content"] == expected["content"]
    assert again["tool_calls"] == expected["tool_calls"]
    assert again["reasoning_content"] == expected["reasoning_content"]
    assert again["redacted"] == expected["redacted"]
    if expected["finish_reason"] == "length":
        assert out[-1].event == "response.incomplete"
        assert final["incomplete_details"] == {"reason": "max_output_tokens"}
        assert final["output"][0]["status"] == "incomplete"
    if "usage" in expected:
        assert final["usage"]["output_tokens_details"] == {"reasoning_tokens": 3}
        assert again["usage"]["total_tokens"] == 12


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UpstreamError("upstream down", status=503), "server_error"),
        (UpstreamError("slow down", status=429, code="rate_limit_exceeded"), "rate_limit_exceeded"),
        (InvalidRequest("bad input"), "invalid_prompt"),
        (AuthenticationFailed("no key"), "server_error"),
    ],
)
@pytest.mark.parametrize("started", [False, True], ids=["before-output", "mid-stream"])
def test_encoder_error(exc: GatewayError, code: str, started: bool) -> None:
    encoder = Encoder(StreamContext(id="resp_1", model="m", created=1))
    out = encoder.feed(hub_chunk({"role": "assistant", "content": "Hal"})) if started else []
    out += encoder.error(exc)
    assert [f.event for f in out[-2:]] == ["error", "response.failed"]
    assert [f.data["sequence_number"] for f in out] == list(range(len(out)))
    assert out[0].event == "response.created"
    error = sdk_event(out[-2].data)
    assert (error.message, error.code) == (exc.message, exc.code)
    failed = sdk_event(out[-1].data)
    assert failed.response.status == "failed"
    assert failed.response.error.code == code
    _, decoder = decode(write(out))
    assert isinstance(decoder.error, UpstreamError)
    assert exc.message in decoder.error.message
