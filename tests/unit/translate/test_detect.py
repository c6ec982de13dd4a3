from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from omniroute_agent.translate.detect import detect_format

WIRE = Path(__file__).resolve().parents[2] / "wire"
DIRS = {
    "openai-chat": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "openai-responses": "responses",
    "ollama": "ollama",
}


def request_fixtures() -> list[Any]:
    cases = []
    for folder, fmt in DIRS.items():
        for path in sorted((WIRE / folder).glob("*.request.json")):
            cases.append(pytest.param(json.loads(path.read_text()), fmt, id=f"{folder}/{path.name}"))
    return cases


# Ollama requests without images or options are plain OpenAI Chat shapes: served as OpenAI.
AMBIGUOUS = {
    "ollama/text.request.json",
    "ollama/text.stream.request.json",
    "ollama/tools.request.json",
    "ollama/tools.stream.request.json",
    "ollama/tools.followup.request.json",
    "ollama/thinking.request.json",
    "ollama/thinking.stream.request.json",
    "ollama/structured.request.json",
    "anthropic/text.stream.request.json",
}


@pytest.mark.parametrize(("body", "fmt"), request_fixtures())
def test_every_request_fixture_is_recognised(body: dict[str, Any], fmt: str, request: pytest.FixtureRequest):
    name = request.node.callspec.id
    detected = detect_format(body)
    if name in AMBIGUOUS:
        assert detected in (fmt, "openai")
    else:
        assert detected == fmt


@pytest.mark.parametrize(
    ("body", "fmt"),
    [
        pytest.param({"model": "m", "messages": [{"role": "user", "content": "hi"}]}, "openai", id="plain-chat"),
        pytest.param({"model": "m", "system": "s", "messages": []}, "anthropic", id="anthropic-system"),
        pytest.param({"contents": [{"parts": [{"text": "hi"}]}]}, "gemini", id="gemini-contents"),
        pytest.param({"model": "m", "input": "hi"}, "responses", id="responses-input"),
        pytest.param(
            {"model": "m", "messages": [{"role": "user", "content": "x", "images": ["aGk="]}]},
            "ollama",
            id="ollama-images",
        ),
        pytest.param({}, "openai", id="empty-is-validated-as-openai"),
    ],
)
def test_shapes(body: dict[str, Any], fmt: str):
    assert detect_format(body) == fmt
