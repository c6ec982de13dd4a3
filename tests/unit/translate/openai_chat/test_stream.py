"""translate/openai_chat/stream.py: PassthroughTap forwards OpenAI Chat events as they are, reads
usage, drops the usage-only chunk the client did not ask for, and notices [DONE] and in-stream errors."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from omniroute_agent.translate.openai_chat.stream import PassthroughTap

from .. import streams
from ..streams import SSE_CHUNKINGS, Chunking, event_per_chunk, random_splits, whole

WIRE = streams.WIRE / "openai-chat"


def data_lines(raw: bytes) -> list[bytes]:
    """The payloads of a well-formed LF fixture, in order (each event is one `data:` line)."""
    return [line[len(b"data: ") :] for line in raw.split(b"\n") if line.startswith(b"data: ")]


def frame(payloads: list[bytes]) -> bytes:
    return b"".join(b"data: " + p + b"\n\n" for p in payloads)


STREAMS = {
    # fixture: (prompt, completion, total) in its usage chunk
    "text.stream.sse": (27, 8, 35),
    "reasoning-deepseek.stream.sse": (18, 96, 114),
}


def run(tap: PassthroughTap, chunks: Iterator[bytes]) -> bytes:
    out = b"".join(tap.feed(c) for c in chunks)
    return out + tap.finish()


def is_usage_only(payload: bytes) -> bool:
    if payload == b"[DONE]":
        return False
    parsed = json.loads(payload)
    return parsed.get("choices") == [] and isinstance(parsed.get("usage"), dict)


@pytest.mark.parametrize("chunking", SSE_CHUNKINGS.values(), ids=SSE_CHUNKINGS.keys())
@pytest.mark.parametrize(("fixture", "usage"), STREAMS.items(), ids=STREAMS.keys())
def test_include_usage_forwards_every_event(fixture: str, usage: tuple[int, int, int], chunking: Chunking) -> None:
    raw = (WIRE / fixture).read_bytes()
    tap = PassthroughTap(include_usage=True)
    out = run(tap, chunking(raw))
    assert out == frame(data_lines(raw))
    assert (tap.usage["prompt_tokens"], tap.usage["completion_tokens"], tap.usage["total_tokens"]) == usage
    assert tap.done
    assert tap.error is None


@pytest.mark.parametrize("chunking", SSE_CHUNKINGS.values(), ids=SSE_CHUNKINGS.keys())
@pytest.mark.parametrize(("fixture", "usage"), STREAMS.items(), ids=STREAMS.keys())
def test_without_include_usage_drops_usage_only_chunk(
    fixture: str, usage: tuple[int, int, int], chunking: Chunking
) -> None:
    raw = (WIRE / fixture).read_bytes()
    payloads = data_lines(raw)
    kept = [p for p in payloads if not is_usage_only(p)]
    assert len(kept) == len(payloads) - 1, "fixture should hold exactly one usage-only chunk"
    tap = PassthroughTap(include_usage=False)
    out = run(tap, chunking(raw))
    assert out == frame(kept)
    assert (tap.usage["prompt_tokens"], tap.usage["completion_tokens"], tap.usage["total_tokens"]) == usage
    assert tap.done


@pytest.mark.parametrize("include_usage", [True, False])
def test_stray_fields_and_comments_never_reach_the_output(include_usage: bool) -> None:
    raw = (WIRE / "text.stream.sse").read_bytes()
    noisy = b": connected\n\n" + b"".join(
        b"id: %d\nretry: 3000\n: keep-alive\n" % n + event for n, event in enumerate(event_per_chunk(raw))
    )
    clean_tap, noisy_tap = PassthroughTap(include_usage), PassthroughTap(include_usage)
    clean = run(clean_tap, whole(raw))
    out = run(noisy_tap, random_splits(noisy))
    assert out == clean
    for stray in (b"id:", b"retry:", b"keep-alive", b"connected"):
        assert stray not in out
    assert noisy_tap.usage == clean_tap.usage


@pytest.mark.parametrize("chunking", SSE_CHUNKINGS.values(), ids=SSE_CHUNKINGS.keys())
def test_error_stream_sets_error(chunking: Chunking) -> None:
    raw = (WIRE / "error-stream.sse").read_bytes()
    tap = PassthroughTap(include_usage=False)
    out = run(tap, chunking(raw))
    assert tap.error is not None
    assert tap.error["type"] == "server_error"
    assert tap.error["message"].startswith("The server had an error")
    assert not tap.done
    assert out == frame(data_lines(raw))  # the error event itself is forwarded


@pytest.mark.parametrize(
    ("stream", "done", "error"),
    [
        pytest.param(b"data: [DONE]\n\n", True, None, id="done"),
        pytest.param(b"data: [DONE]", True, None, id="done-unterminated"),
        pytest.param(b'data: {"choices":[]}\n\n', False, None, id="no-done"),
        pytest.param(b'data: {"error":{"message":"boom"}}\n\n', False, {"message": "boom"}, id="error"),
        pytest.param(b'data: {"error":"text only"}\n\n', False, None, id="error-not-object"),
    ],
)
def test_done_and_error_flags(stream: bytes, done: bool, error: dict[str, str] | None) -> None:
    tap = PassthroughTap(include_usage=True)
    run(tap, whole(stream))
    assert (tap.done, tap.error) == (done, error)


@pytest.mark.parametrize(
    ("include_usage", "expected_usage_field"),
    [(True, {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}), (False, None)],
)
def test_usage_on_a_chunk_with_choices(include_usage: bool, expected_usage_field: object) -> None:
    """Some providers put usage on the last choice chunk: the choice is kept either way."""
    chunk = {
        "id": "c",
        "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }
    tap = PassthroughTap(include_usage=include_usage)
    out = run(tap, whole(b"data: " + json.dumps(chunk).encode() + b"\n\n"))
    assert out.startswith(b"data: ")
    assert out.endswith(b"\n\n")
    forwarded = json.loads(out[len(b"data: ") : -2])
    assert forwarded["choices"] == chunk["choices"]
    assert forwarded["usage"] == expected_usage_field
    assert tap.usage == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


@pytest.mark.parametrize("chunking", SSE_CHUNKINGS.values(), ids=SSE_CHUNKINGS.keys())
@pytest.mark.parametrize(
    "line_end",
    [
        pytest.param(lambda raw: raw.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda raw: raw.replace(b"\n", b"\r"), id="cr"),
        pytest.param(
            lambda raw: raw[: len(raw) // 2] + raw[len(raw) // 2 :].replace(b"\n", b"\r\n"), id="lf-then-crlf"
        ),
    ],
)
def test_cr_line_ends_give_the_same_events(line_end: object, chunking: Chunking) -> None:
    """The byte fast path takes LF streams; a CR anywhere hands the rest to the parser."""
    raw = (WIRE / "text.stream.sse").read_bytes()
    clean_tap, tap = PassthroughTap(include_usage=True), PassthroughTap(include_usage=True)
    assert callable(line_end)
    assert run(tap, chunking(line_end(raw))) == run(clean_tap, whole(raw)) == frame(data_lines(raw))
    assert tap.usage == clean_tap.usage
    assert tap.done
