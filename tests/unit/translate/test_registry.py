from __future__ import annotations

import dataclasses

import pytest

from omniroute_agent.formats import FORMATS
from omniroute_agent.translate.registry import CODECS, passthrough_body, writer


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_fills_every_slot(fmt: str):
    codec = CODECS[fmt]  # type: ignore[index]
    for slot in dataclasses.fields(codec):
        value = getattr(codec, slot.name)
        assert value, f"{fmt}.{slot.name} is empty"
        if slot.name not in ("framing", "stream_media_type"):
            assert callable(value)


@pytest.mark.parametrize(
    ("fmt", "stream", "expected"),
    [
        ("openai", True, {"model": "t", "stream": True, "stream_options": {"include_usage": True}, "x": 1}),
        ("openai", False, {"model": "t", "stream": False, "x": 1}),
        ("anthropic", True, {"model": "t", "stream": True, "stream_options": {}, "x": 1}),
        ("gemini", True, {"model": "m", "stream_options": {}, "x": 1}),
    ],
)
def test_passthrough_keeps_unknown_fields_and_sets_model_and_stream(
    fmt: str, stream: bool, expected: dict[str, object]
):
    body = {"model": "m", "stream_options": {}, "x": 1}
    assert passthrough_body(fmt, body, "t", stream=stream) == expected  # type: ignore[arg-type]


def test_writers_follow_each_client_format():
    assert writer("openai", "sse").with_event_names is False  # type: ignore[attr-defined]
    assert writer("anthropic", "sse").with_event_names is True  # type: ignore[attr-defined]
    assert writer("gemini", "sse").line_end == "\r\n"  # type: ignore[attr-defined]
    assert writer("gemini", "json-array").start() == b"["
    assert writer("ollama", "ndjson").frame.__self__.__class__.__name__ == "NDJSONWriter"  # type: ignore[attr-defined]
