"""translate/gemini/request.py: every request fixture into the hub (literal expectations), back out
unchanged but for the listed losses, and OpenAI Chat fixtures out to valid Gemini bodies."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.gemini import request
from omniroute_agent.translate.gemini.common import camel
from omniroute_agent.translate.openai_chat import request as openai_request

from ..streams import load
from .helpers import GEMINI, OPENAI, PNG, SIG_TOOLS, WEATHER_PARAMETERS, validate_request

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a location.",
        "parameters": WEATHER_PARAMETERS,
    },
}
WEATHER_QUESTION = {"role": "user", "content": "What's the weather like in Paris and in Tokyo right now?"}
EVENT_QUESTION = {
    "role": "user",
    "content": "Extract the event: Alice and Bob are going to a science fair on Friday.",
}
EVENT_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "date": {"type": "string"},
        "participants": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name", "date", "participants"],
}

HUB: dict[str, dict[str, Any]] = {
    "text.request.json": {
        "messages": [
            {"role": "system", "content": "You are a concise assistant. Keep answers short."},
            {"role": "user", "content": "What is the capital of France? Answer in one sentence."},
        ]
    },
    "tools.request.json": {"messages": [WEATHER_QUESTION], "tools": [WEATHER_TOOL], "tool_choice": "auto"},
    "tools.followup.request.json": {
        "messages": [
            WEATHER_QUESTION,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_0",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"location":"Paris, France","unit":"celsius"}',
                        },
                        "signature": SIG_TOOLS,
                    },
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"location":"Tokyo, Japan","unit":"celsius"}',
                        },
                    },
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "call_0",
                "content": '{"location":"Paris, France","temperature":18,"unit":"celsius",'
                '"conditions":"partly cloudy"}',
            },
            {
                "role": "tool",
                "tool_call_id": "call_1",
                "content": '{"location":"Tokyo, Japan","temperature":22,"unit":"celsius","conditions":"clear"}',
            },
        ],
        "tools": [WEATHER_TOOL],
    },
    "image.request.json": {
        "messages": [
            {"role": "system", "content": "You are a concise assistant. Keep answers short."},
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
                    {"type": "text", "text": "What is in this image? Reply in one short sentence."},
                ],
            },
        ],
        "max_tokens": 256,
    },
    "params.request.json": {
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
        "reasoning_budget": 0,
    },
    "structured.request.json": {
        "messages": [EVENT_QUESTION],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "response", "schema": EVENT_SCHEMA},
        },
    },
    "structured-jsonschema.request.json": {
        "messages": [EVENT_QUESTION],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "response", "schema": {**EVENT_SCHEMA, "additionalProperties": False}},
        },
    },
    "thinking.request.json": {
        "messages": [{"role": "user", "content": "Which number is larger, 9.11 or 9.8?"}],
        "reasoning_budget": 1024,
    },
}


def test_every_request_fixture_has_an_expectation() -> None:
    assert {p.name for p in GEMINI.glob("*.request.json")} == set(HUB)


@pytest.mark.parametrize(("fixture", "expected"), HUB.items(), ids=HUB.keys())
def test_to_hub(fixture: str, expected: dict[str, Any]) -> None:
    assert request.to_hub(load(GEMINI / fixture)) == expected


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {camel(k): _camel(v) for k, v in value.items()}
    return [_camel(v) for v in value] if isinstance(value, list) else value


def _drop_candidate_count(body: dict[str, Any]) -> dict[str, Any]:
    del body["generationConfig"]["candidateCount"]
    return body


def _json_schema_tools(body: dict[str, Any]) -> dict[str, Any]:
    for decl in body["tools"][0]["functionDeclarations"]:
        decl["parametersJsonSchema"] = WEATHER_PARAMETERS
        del decl["parameters"]
    return body


def _json_schema_response(body: dict[str, Any]) -> dict[str, Any]:
    config = body["generationConfig"]
    del config["responseSchema"]
    config["responseJsonSchema"] = EVENT_SCHEMA
    return body


# fixture: (why from_hub(to_hub(x)) differs from x, the change that makes x what comes back)
KNOWN_LOSSES: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "image.request.json": ("snake_case keys are written back in camelCase", _camel),
    "params.request.json": (
        "candidateCount 1 is the default; the hub has no n=1 to keep",
        _drop_candidate_count,
    ),
    "tools.request.json": (
        "`parameters` (OpenAPI Schema, UPPERCASE types) goes back as `parametersJsonSchema` (JSON Schema)",
        _json_schema_tools,
    ),
    "tools.followup.request.json": ("as tools.request.json", _json_schema_tools),
    "structured.request.json": (
        "`responseSchema` goes back as `responseJsonSchema`: lowercase types, propertyOrdering applied to "
        "the order of `properties` and dropped",
        _json_schema_response,
    ),
}


@pytest.mark.parametrize("fixture", sorted(HUB))
def test_round_trip(fixture: str) -> None:
    body = load(GEMINI / fixture)
    expected = copy.deepcopy(body)
    if fixture in KNOWN_LOSSES:
        expected = KNOWN_LOSSES[fixture][1](expected)
    back = request.from_hub(request.to_hub(body), "gemini-2.5-flash")
    assert back == expected
    validate_request(back)
    if fixture == "structured.request.json":  # propertyOrdering kept as the order of the properties
        assert list(back["generationConfig"]["responseJsonSchema"]["properties"]) == [
            "name",
            "date",
            "participants",
        ]


def _from_openai(name: str) -> dict[str, Any]:
    body = request.from_hub(openai_request.to_hub(load(OPENAI / name)), "gemini-2.5-flash")
    validate_request(body)
    return body


def test_openai_text() -> None:
    body = _from_openai("text.request.json")
    assert body["systemInstruction"] == {"parts": [{"text": "You are a concise assistant. Keep answers short."}]}
    assert body["contents"] == [
        {"role": "user", "parts": [{"text": "What is the capital of France? Answer in one sentence."}]}
    ]
    assert "model" not in body


def test_openai_tools() -> None:
    body = _from_openai("tools.request.json")
    (decl,) = body["tools"][0]["functionDeclarations"]
    assert decl["name"] == "get_weather"
    assert decl["parametersJsonSchema"] == {**WEATHER_PARAMETERS, "additionalProperties": False}
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}


def test_openai_tool_results() -> None:
    body = _from_openai("tools.followup.request.json")
    user, model, results = body["contents"]
    assert user["role"] == "user"
    assert model == {
        "role": "model",
        "parts": [
            {
                "functionCall": {
                    "name": "get_weather",
                    "args": {"location": "Paris, France", "unit": "celsius"},
                    "id": "call_c3j27xdcg2lMLzgeonyLGcTJ",
                }
            },
            {
                "functionCall": {
                    "name": "get_weather",
                    "args": {"location": "Tokyo, Japan", "unit": "celsius"},
                    "id": "call_eRqhqWJYAXeRpzds3mOjAqnJ",
                }
            },
        ],
    }
    assert results["role"] == "user"
    assert [p["functionResponse"]["id"] for p in results["parts"]] == [
        "call_c3j27xdcg2lMLzgeonyLGcTJ",
        "call_eRqhqWJYAXeRpzds3mOjAqnJ",
    ]
    assert {p["functionResponse"]["name"] for p in results["parts"]} == {"get_weather"}
    assert results["parts"][1]["functionResponse"]["response"] == {
        "location": "Tokyo, Japan",
        "temperature": 22,
        "unit": "celsius",
        "conditions": "clear",
    }


def test_openai_image() -> None:
    body = _from_openai("image.request.json")
    parts = body["contents"][0]["parts"]
    assert {"inlineData": {"mimeType": "image/png", "data": PNG}} in parts
    assert body["generationConfig"] == {"maxOutputTokens": 100}
    assert "systemInstruction" in body


def test_openai_params() -> None:
    body = _from_openai("params.request.json")
    assert body["systemInstruction"] == {"parts": [{"text": "Answer with a numbered list. Stop after the third item."}]}
    assert body["generationConfig"] == {
        "temperature": 0.2,
        "topP": 0.9,
        "seed": 42,
        "presencePenalty": 0,
        "frequencyPenalty": 0,
        "maxOutputTokens": 16,
        "stopSequences": ["4."],
    }


def test_openai_structured() -> None:
    body = _from_openai("structured.request.json")
    schema = load(OPENAI / "structured.request.json")["response_format"]["json_schema"]["schema"]
    assert body["generationConfig"] == {
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
        "maxOutputTokens": 200,
    }
    assert body["systemInstruction"] == {"parts": [{"text": "Extract the event information."}]}


def test_openai_missing_tool_result_names_the_call() -> None:
    hub = openai_request.to_hub(load(OPENAI / "tools.followup.request.json"))
    hub["messages"] = [*hub["messages"][:-1], {"role": "user", "content": "and?"}]
    with pytest.raises(InvalidRequest, match="call_eRqhqWJYAXeRpzds3mOjAqnJ"):
        request.from_hub(hub, "gemini-2.5-flash")
    hub["messages"] = hub["messages"][:-2]  # ends on the unanswered call
    with pytest.raises(InvalidRequest, match="call_c3j27xdcg2lMLzgeonyLGcTJ"):
        request.from_hub(hub, "gemini-2.5-flash")


def test_openai_unknown_tool_call_id() -> None:
    hub = openai_request.to_hub(load(OPENAI / "tools.followup.request.json"))
    hub["messages"][-1]["tool_call_id"] = "call_nope"
    with pytest.raises(InvalidRequest, match="call_nope"):
        request.from_hub(hub, "gemini-2.5-flash")


def test_hub_output_is_json() -> None:
    for fixture in HUB:
        json.dumps(request.to_hub(load(GEMINI / fixture)))
