"""Shared by the Anthropic spoke tests: fixtures, the hub accumulation view and SDK validation
(chunkings, framing and decoding are in tests/unit/translate/streams.py)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pydantic
from anthropic.types import RawMessageStreamEvent
from anthropic.types.message_create_params import (
    MessageCreateParamsNonStreaming,
    MessageCreateParamsStreaming,
)

from omniroute_agent.translate.framing import Frame, SSEWriter
from omniroute_agent.translate.hub import ChatResponse, Chunk

from .. import streams
from ..sdk_params import Check, extra_keys_forbidden, params_check
from ..streams import WIRE

ANTHROPIC = WIRE / "anthropic"
OPENAI = WIRE / "openai-chat"
SAMPLING = ("temperature", "top_p", "top_k")  # absent from the SDK >= 1.0 types, still accepted by the API


def write(frames_: list[Frame]) -> bytes:
    return streams.write(frames_, SSEWriter(with_event_names=True))


def accumulate(chunks: list[Chunk]) -> dict[str, Any]:
    """What a client would assemble from hub chunks: text, reasoning (blocks and text), tool calls
    (arguments parsed), finish reason and usage."""
    return summary(streams.accumulate(chunks))


def summary(response: ChatResponse) -> dict[str, Any]:
    """The same view of a non-stream hub response."""
    choice = response["choices"][0]
    message = choice["message"]
    return {
        "content": message.get("content") or "",
        "reasoning_content": message.get("reasoning_content", ""),
        "reasoning": [{k: v for k, v in b.items() if k != "format"} for b in message.get("reasoning", [])],
        "tool_calls": [
            {
                "id": c["id"],
                "name": c["function"]["name"],
                "arguments": json.loads(c["function"]["arguments"]),
            }
            for c in message.get("tool_calls", [])
        ],
        "finish_reason": choice["finish_reason"],
        "usage": response.get("usage"),
    }


@cache
def _strict_check() -> Check:
    """A request check that rejects keys the SDK does not declare. The SDK's TypedDicts get
    extra='forbid' only while the schemas are built, then their config is put back."""
    with extra_keys_forbidden("anthropic.types", skip=".beta"):
        return params_check(MessageCreateParamsNonStreaming, MessageCreateParamsStreaming)


def validate_request(body: dict[str, Any]) -> None:
    """Raise unless `body` is a valid MessageCreateParams (sampling keys aside)."""
    _strict_check()({k: v for k, v in body.items() if k not in SAMPLING})


EVENT = pydantic.TypeAdapter(RawMessageStreamEvent)

# Shared scenario data
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a location.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location", "unit"],
        },
    },
}

PARIS_ARGS = '{"location":"Paris, France","unit":"celsius"}'
TOKYO_ARGS = '{"location":"Tokyo, Japan","unit":"celsius"}'


def call(call_id: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": arguments}}
