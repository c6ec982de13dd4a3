"""Shared by the Responses codec tests: fixtures, decoding and hub accumulation, and checks with the
openai SDK's own types (pydantic models for responses and events, TypedDicts for requests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2  # the HTTP client the openai SDK is built on
import openai
import pydantic
from openai.types.responses import Response, ResponseStreamEvent

from omniroute_agent.translate.framing import Frame, SSEWriter
from omniroute_agent.translate.hub import ChatResponse, Chunk
from omniroute_agent.translate.responses.stream import Decoder

from .. import streams
from ..sdk_params import Check, extra_keys_forbidden, params_check
from ..streams import WIRE, Chunking, whole

RESPONSES = WIRE / "openai-responses"
CHAT = WIRE / "openai-chat"
# Declared by the API but not on the SDK model (see tests/wire/README.md, "Deviations").
ALLOWED_EXTRAS = ("$.store", "$.obfuscation", "$.response.store")


# ---- decoding, writing and hub accumulation (the shared parts are in ../streams.py) ------------


def decode(raw: bytes, chunking: Chunking = whole) -> tuple[list[Chunk], Decoder]:
    decoder = Decoder()
    return streams.decode(decoder, raw, chunking=chunking), decoder


def write(out: list[Frame]) -> bytes:
    return streams.write(out, SSEWriter(with_event_names=True))


def accumulate(chunks: list[Chunk]) -> dict[str, Any]:
    """What a client keeps from hub chunks: text, reasoning, tool calls, finish, usage."""
    return response_summary(streams.accumulate(chunks))


def response_summary(hub: ChatResponse) -> dict[str, Any]:
    """The same view of a non-stream hub response."""
    message = hub["choices"][0]["message"]
    calls = [
        {"id": c["id"], "name": c["function"]["name"], "arguments": c["function"]["arguments"]}
        for c in message.get("tool_calls") or []
    ]
    out: dict[str, Any] = {
        "content": message.get("content") or "",
        "reasoning_content": message.get("reasoning_content", ""),
        "redacted": [b["data"] for b in message.get("reasoning") or [] if b.get("data")],
        "finish_reason": hub["choices"][0]["finish_reason"],
        "tool_calls": calls,
    }
    if "usage" in hub:
        out["usage"] = hub["usage"]
    return out


# ---- the SDK's types -------------------------------------------------------------------------

EVENTS: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ResponseStreamEvent)


def extras(obj: Any, path: str = "$") -> list[str]:
    """Keys an SDK model accepted without declaring them (its models allow extra keys)."""
    found: list[str] = []
    if isinstance(obj, pydantic.BaseModel):
        found += [f"{path}.{k}" for k in obj.__pydantic_extra__ or {}]
        for name in type(obj).model_fields:
            found += extras(getattr(obj, name, None), f"{path}.{name}")
    elif isinstance(obj, list | tuple):
        for i, value in enumerate(obj):
            found += extras(value, f"{path}[{i}]")
    return [e for e in found if e not in ALLOWED_EXTRAS]


def sdk_response(body: dict[str, Any]) -> Response:
    parsed = Response.model_validate(body)
    assert extras(parsed) == []
    return parsed


def sdk_event(data: dict[str, Any]) -> Any:
    parsed = EVENTS.validate_python(data)
    assert extras(parsed) == []
    return parsed


def sdk_stream(raw: bytes) -> Response:
    """The SDK's own accumulator (`client.responses.stream`) over a stream body."""

    def handler(_: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=raw, headers={"content-type": "text/event-stream"})

    with httpx2.Client(transport=httpx2.MockTransport(handler)) as http:
        client = openai.OpenAI(
            api_key="sk-test", base_url="https://api.openai.test/v1", max_retries=0, http_client=http
        )
        with client.responses.stream(model="gpt-4.1-mini", input="x") as stream:
            events = list(stream)
            if events and events[-1].type == "response.incomplete":
                # get_final_response() wants response.completed; an incomplete one is the event's
                return events[-1].response
            return stream.get_final_response()


@contextmanager
def strict_sdk_params() -> Iterator[Check]:
    """A validator for request bodies against the SDK's TypedDicts with unknown keys forbidden.
    The config is set on the SDK's TypedDicts only for the duration, then restored."""
    from openai.types.responses import response_create_params as params

    with extra_keys_forbidden("openai.types.responses", "openai.types.shared_params"):
        yield params_check(params.ResponseCreateParamsNonStreaming, params.ResponseCreateParamsStreaming)
