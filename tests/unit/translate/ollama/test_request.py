"""translate/ollama/request.py: Ollama /api/chat requests to the hub and back, against the fixtures
in tests/wire/ollama/, plus the OpenAI fixtures of the same scenarios written as Ollama bodies."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatMessage, ChatRequest, ToolCall
from omniroute_agent.translate.ollama.request import from_hub, to_hub
from omniroute_agent.translate.openai_chat import request as openai_request
from tests.unit.translate.ollama.helpers import OLLAMA, OPENAI, PNG, WEATHER_TOOL, check_request
from tests.unit.translate.streams import load

PARIS = '{"location": "Paris, France", "temperature": 18, "unit": "celsius", "conditions": "partly cloudy"}'
TOKYO = '{"location": "Tokyo, Japan", "temperature": 22, "unit": "celsius", "conditions": "clear"}'
SYSTEM: ChatMessage = {"role": "system", "content": "You are a concise assistant. Keep answers short."}
WEATHER_Q: ChatMessage = {
    "role": "user",
    "content": "What's the weather like in Paris and in Tokyo right now?",
}
CALLS: list[ToolCall] = [
    {
        "id": "call_29326ml6",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"location":"Paris, France","unit":"celsius"}'},
    },
    {
        "id": "call_4r7wjyax",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"location":"Tokyo, Japan","unit":"celsius"}'},
    },
]
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "date": {"type": "string"},
        "participants": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "date", "participants"],
}

EXPECTED_HUB: dict[str, ChatRequest] = {
    "text.request.json": {
        "model": "llama3.2",
        "messages": [
            SYSTEM,
            {"role": "user", "content": "What is the capital of France? Answer in one sentence."},
        ],
        "stream": False,
    },
    "text.stream.request.json": {
        "model": "llama3.2",
        "messages": [
            SYSTEM,
            {"role": "user", "content": "What is the capital of France? Answer in one sentence."},
        ],
        "stream": True,  # no `stream` key: Ollama streams
    },
    "tools.request.json": {
        "model": "qwen3:8b",
        "messages": [WEATHER_Q],
        "tools": [WEATHER_TOOL],
        "stream": False,
    },
    "tools.followup.request.json": {
        "model": "qwen3:8b",
        "messages": [
            WEATHER_Q,
            {"role": "assistant", "content": "", "tool_calls": CALLS},
            {
                "role": "tool",
                "tool_call_id": "call_29326ml6",
                "content": PARIS,
            },
            {
                "role": "tool",
                "tool_call_id": "call_4r7wjyax",
                "content": TOKYO,
            },
        ],
        "tools": [WEATHER_TOOL],
        "stream": False,
    },
    "image.request.json": {
        "model": "gemma3:4b",
        "messages": [
            SYSTEM,
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image? Reply in one short sentence."},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                ],
            },
        ],
        "stream": False,
    },
    "params.request.json": {
        "model": "llama3.2",
        "messages": [
            {"role": "system", "content": "Answer with a numbered list."},
            {"role": "user", "content": "List the planets of the solar system in order from the Sun."},
        ],
        "temperature": 0.2,
        "top_p": 0.9,
        "top_k": 40,
        "max_tokens": 64,
        "stop": ["4."],
        "seed": 42,
        "stream": False,
    },
    "structured.request.json": {
        "model": "llama3.2",
        "messages": [
            {
                "role": "user",
                "content": "Extract the event: Alice and Bob are going to a science fair on Friday.",
            }
        ],
        "response_format": {"type": "json_schema", "json_schema": {"name": "response", "schema": SCHEMA}},
        "temperature": 0,
        "stream": False,
    },
    "thinking.request.json": {
        "model": "qwen3:8b",
        "messages": [{"role": "user", "content": "Which number is larger, 9.11 or 9.8?"}],
        "reasoning_effort": "medium",
        "stream": False,
    },
}

DROP = object()
# fixture → [(dotted path, what comes back instead (DROP: nothing), reason)]
KNOWN_LOSSES: dict[str, list[tuple[str, object, str]]] = {
    "params.request.json": [
        ("keep_alive", DROP, "Ollama runtime setting (model unload timer); the hub has no slot for it"),
        ("options.num_ctx", DROP, "context window size is a runtime setting; the hub has no slot for it"),
    ],
    "text.stream.request.json": [
        ("stream", True, "stream is always written out, because Ollama streams when it is absent"),
    ],
}
REQUEST_FIXTURES = sorted(p.name for p in OLLAMA.glob("*.request.json"))


def apply_losses(body: dict[str, Any], losses: list[tuple[str, object, str]]) -> dict[str, Any]:
    out = copy.deepcopy(body)
    for path, value, _reason in losses:
        *parents, last = path.split(".")
        node = out
        for key in parents:
            node = node[key]
        if value is DROP:
            del node[last]
        else:
            node[last] = value
    return out


def test_every_request_fixture_is_covered() -> None:
    assert set(EXPECTED_HUB) <= set(REQUEST_FIXTURES)
    assert {"thinking.stream.request.json", "tools.stream.request.json"} | set(EXPECTED_HUB) == set(REQUEST_FIXTURES)


@pytest.mark.parametrize("fixture", EXPECTED_HUB)
def test_to_hub(fixture: str) -> None:
    assert to_hub(load(OLLAMA / fixture)) == EXPECTED_HUB[fixture]


@pytest.mark.parametrize("fixture", REQUEST_FIXTURES)
def test_round_trip(fixture: str) -> None:
    body = load(OLLAMA / fixture)
    back = from_hub(to_hub(copy.deepcopy(body)), body["model"], Quirks())
    assert back == apply_losses(body, KNOWN_LOSSES.get(fixture, []))
    check_request(back)


# ---- OpenAI fixtures of the same scenarios, written for Ollama


def from_openai(name: str) -> dict[str, Any]:
    body = load(OPENAI / f"{name}.request.json")
    return from_hub(openai_request.to_hub(body), "llama3.2", Quirks())


def test_cross_text() -> None:
    body = from_openai("text")
    assert body["messages"][0] == SYSTEM
    assert body["stream"] is False
    assert "options" not in body


def test_cross_tools() -> None:
    body = from_openai("tools")
    [tool] = body["tools"]
    assert tool["type"] == "function"
    assert set(tool["function"]) == {"name", "description", "parameters"}  # `strict` has no Ollama meaning
    assert tool["function"]["parameters"]["required"] == ["location", "unit"]
    assert "tool_choice" not in body
    assert "parallel_tool_calls" not in body


def test_cross_tools_followup() -> None:
    body = from_openai("tools.followup")
    assistant, paris, tokyo = body["messages"][1:]
    assert assistant["content"] == ""
    assert [c["id"] for c in assistant["tool_calls"]] == [
        "call_c3j27xdcg2lMLzgeonyLGcTJ",
        "call_eRqhqWJYAXeRpzds3mOjAqnJ",
    ]
    assert [c["function"]["index"] for c in assistant["tool_calls"]] == [0, 1]
    assert assistant["tool_calls"][0]["function"]["arguments"] == {
        "location": "Paris, France",
        "unit": "celsius",
    }
    assert paris == {
        "role": "tool",
        "content": PARIS,
        "tool_call_id": "call_c3j27xdcg2lMLzgeonyLGcTJ",
        "tool_name": "get_weather",
    }
    assert tokyo["tool_call_id"] == "call_eRqhqWJYAXeRpzds3mOjAqnJ"
    assert tokyo["tool_name"] == "get_weather"


def test_cross_image() -> None:
    body = from_openai("image")
    user = body["messages"][1]
    assert user == {
        "role": "user",
        "content": "What is in this image? Reply in one short sentence.",
        "images": [PNG],
    }
    assert body["options"] == {"num_predict": 100}


def test_cross_params() -> None:
    body = from_openai("params")
    assert body["messages"][0] == {
        "role": "system",
        "content": "Answer with a numbered list. Stop after the third item.",
    }
    assert body["options"] == {
        "temperature": 0.2,
        "top_p": 0.9,
        "num_predict": 16,
        "stop": ["4."],
        "seed": 42,
        "presence_penalty": 0,
        "frequency_penalty": 0,
    }


def test_cross_structured() -> None:
    body = from_openai("structured")
    assert body["messages"][0]["role"] == "system"
    assert body["format"] == load(OPENAI / "structured.request.json")["response_format"]["json_schema"]["schema"]
    assert body["options"] == {"num_predict": 200}


@pytest.mark.parametrize("name", ["text", "tools", "tools.followup", "image", "params", "structured", "text.stream"])
def test_cross_bodies_use_ollama_keys_only(name: str) -> None:
    body = from_openai(name)
    check_request(body)
    assert body["stream"] is bool(load(OPENAI / f"{name}.request.json").get("stream"))
