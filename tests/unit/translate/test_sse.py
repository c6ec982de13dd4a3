"""translate/sse.py: the SSE parser gives the same events however the bytes are chunked, and
encode_event frames data the parser reads back."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from omniroute_agent.translate.sse import SSEEvent, SSEParser, encode_event

WIRE = Path(__file__).resolve().parents[2] / "wire"
FIXTURES = sorted(WIRE.rglob("*.sse"))


def reference_events(raw: bytes) -> list[tuple[str, str | None]]:
    """A deliberately naive reading of a well-formed fixture: blocks split on blank lines."""
    events: list[tuple[str, str | None]] = []
    for block in re.split(r"\r\n\r\n|\n\n|\r\r", raw.decode("utf-8")):
        data = [line[5:].removeprefix(" ") for line in block.splitlines() if line.startswith("data:")]
        names = [line[6:].removeprefix(" ") for line in block.splitlines() if line.startswith("event:")]
        if data:
            events.append(("\n".join(data), names[-1] if names else None))
    return events


def whole(raw: bytes) -> Iterator[bytes]:
    yield raw


def byte_by_byte(raw: bytes) -> Iterator[bytes]:
    for i in range(len(raw)):
        yield raw[i : i + 1]


def random_splits(seed: int) -> Callable[[bytes], Iterator[bytes]]:
    def split(raw: bytes) -> Iterator[bytes]:
        rng = random.Random(seed)
        i = 0
        while i < len(raw):
            n = rng.randint(1, 64)
            yield raw[i : i + n]
            i += n

    return split


def event_per_chunk(raw: bytes) -> Iterator[bytes]:
    yield from re.findall(rb".*?(?:\r\n\r\n|\n\n|\r\r|$)", raw, flags=re.S)


CHUNKINGS = {
    "whole": whole,
    "byte-by-byte": byte_by_byte,
    "random-7": random_splits(7),
    "random-1234": random_splits(1234),
    "event-per-chunk": event_per_chunk,
}


def parse(chunks: Iterator[bytes]) -> list[tuple[str, str | None]]:
    parser = SSEParser()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events += parser.feed(chunk)
    events += parser.finish()
    return [(e.data, e.event) for e in events]


def test_fixtures_found() -> None:
    names = {p.relative_to(WIRE).as_posix() for p in FIXTURES}
    assert {"openai-chat/text.stream.sse", "gemini/text.stream.sse", "anthropic/text.stream.sse"} <= names
    assert any(b"\r\n" in p.read_bytes() for p in FIXTURES), "expected a CRLF fixture (gemini)"


@pytest.mark.parametrize("chunking", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.relative_to(WIRE).as_posix() for p in FIXTURES])
def test_fixture_events_independent_of_chunking(fixture: Path, chunking: Callable[[bytes], Iterator[bytes]]) -> None:
    raw = fixture.read_bytes()
    expected = reference_events(raw)
    assert expected, "fixture has no events"
    assert parse(chunking(raw)) == expected


CASES = [
    # (id, stream bytes, expected (data, event) list)
    ("comment-ignored", b": keep-alive\ndata: a\n\n", [("a", None)]),
    ("comment-only-block", b": ping\n\ndata: a\n\n", [("a", None)]),
    ("id-and-retry-ignored", b"id: 7\nretry: 1000\ndata: a\n\n", [("a", None)]),
    ("id-only-block-no-event", b"id: 7\n\ndata: b\n\n", [("b", None)]),
    ("multi-line-data", b"data: one\ndata: two\ndata: three\n\n", [("one\ntwo\nthree", None)]),
    ("event-name", b"event: ping\ndata: {}\n\n", [("{}", "ping")]),
    ("event-name-reset-after-dispatch", b"event: a\ndata: 1\n\ndata: 2\n\n", [("1", "a"), ("2", None)]),
    ("no-space-after-colon", b"data:x\n\n", [("x", None)]),
    ("only-one-space-stripped", b"data:  x\n\n", [(" x", None)]),
    ("empty-data", b"data:\n\n", [("", None)]),
    ("colon-in-value", b'data: {"a":1}\n\n', [('{"a":1}', None)]),
    ("crlf", b"data: a\r\n\r\ndata: b\r\n\r\n", [("a", None), ("b", None)]),
    ("cr-only", b"data: a\r\rdata: b\r\r", [("a", None), ("b", None)]),
    ("blank-lines-between", b"\n\n\ndata: a\n\n\n\n", [("a", None)]),
    ("utf8", "data: é—🙂\n\n".encode(), [("é—🙂", None)]),
    ("unknown-field-ignored", b"foo: bar\ndata: a\n\n", [("a", None)]),
]


@pytest.mark.parametrize("chunking", CHUNKINGS.values(), ids=CHUNKINGS.keys())
@pytest.mark.parametrize(("raw", "expected"), [pytest.param(c[1], c[2], id=c[0]) for c in CASES])
def test_parser_cases(
    raw: bytes, expected: list[tuple[str, str | None]], chunking: Callable[[bytes], Iterator[bytes]]
) -> None:
    assert parse(chunking(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "fed", "flushed"),
    [
        pytest.param(b"data: last", [], [("last", None)], id="no-line-end"),
        pytest.param(b"data: last\n", [], [("last", None)], id="one-newline"),
        pytest.param(b"data: last\r", [], [("last", None)], id="trailing-cr"),
        pytest.param(b"event: e\ndata: a\ndata: b", [], [("a\nb", "e")], id="multi-line-unterminated"),
        pytest.param(b"data: a\n\n", [("a", None)], [], id="already-dispatched"),
        pytest.param(b"", [], [], id="nothing"),
        pytest.param(b": comment", [], [], id="comment-only"),
    ],
)
def test_finish_flushes_last_event(
    raw: bytes, fed: list[tuple[str, str | None]], flushed: list[tuple[str, str | None]]
) -> None:
    parser = SSEParser()
    assert [(e.data, e.event) for e in parser.feed(raw)] == fed
    assert [(e.data, e.event) for e in parser.finish()] == flushed
    assert parser.finish() == []


def test_feed_holds_partial_line() -> None:
    parser = SSEParser()
    assert parser.feed(b'data: {"a"') == []
    assert parser.feed(b":1}\n") == []
    assert [(e.data, e.event) for e in parser.feed(b"\n")] == [('{"a":1}', None)]


@pytest.mark.parametrize(
    ("data", "event", "wire"),
    [
        pytest.param("x", None, b"data: x\n\n", id="plain"),
        pytest.param('{"a": 1}', "message_start", b'event: message_start\ndata: {"a": 1}\n\n', id="named"),
        pytest.param("a\nb", None, b"data: a\ndata: b\n\n", id="multi-line"),
        pytest.param("", None, b"data: \n\n", id="empty"),
        pytest.param("[DONE]", None, b"data: [DONE]\n\n", id="done"),
    ],
)
def test_encode_event_bytes(data: str, event: str | None, wire: bytes) -> None:
    assert encode_event(data, event) == wire


@pytest.mark.parametrize(
    ("data", "event"),
    [
        pytest.param("x", None, id="plain"),
        pytest.param('{"type":"ping"}', "ping", id="named"),
        pytest.param("a\nb\n\nc", None, id="blank-line-inside"),
        pytest.param(" leading space", None, id="leading-space"),
        pytest.param("", None, id="empty"),
        pytest.param("ünïcödé 🙂", "e", id="unicode"),
        pytest.param("a\r\nb", None, id="crlf-inside"),
        pytest.param("a\rb", None, id="cr-inside"),
    ],
)
def test_encode_event_round_trip(data: str, event: str | None) -> None:
    parser = SSEParser()
    events = parser.feed(encode_event(data, event)) + parser.finish()
    # SSE cannot carry a CR inside data: any line ending comes back as "\n", but no text is lost
    assert [(e.data, e.event) for e in events] == [(data.replace("\r\n", "\n").replace("\r", "\n"), event)]


def test_round_trip_many_events_in_random_chunks() -> None:
    payloads = [(f'{{"n":{n},"t":"{"x" * (n % 13)}"}}', "delta" if n % 3 else None) for n in range(200)]
    raw = b"".join(encode_event(d, e) for d, e in payloads)
    assert parse(random_splits(99)(raw)) == payloads
