"""Shared by the Responses codec tests: fixtures, chunkings, hub accumulation, and checks with the
openai SDK's own types (pydantic models for responses and events, TypedDicts for requests)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2  # the HTTP client the openai SDK is built on
import openai
import pydantic
from openai.types.responses import Response, ResponseStreamEvent
from typing_extensions import is_typeddict

from omniroute_agent.translate.framing import Frame, SSEWriter, reader
from omniroute_agent.translate.hub import ChatResponse, Chunk
from omniroute_agent.translate.responses.stream import Decoder

WIRE = Path(__file__).resolve().parents[3] / "wire"
RESPONSES = WIRE / "openai-responses"
CHAT = WIRE / "openai-chat"
# Declared by the API but not on the SDK model (see tests/wire/README.md, "Deviations").
ALLOWED_EXTRAS = ("$.store", "$.obfuscation", "$.response.store")


def load(path: Path) -> Any:
    return json.loads(path.read_text())


# ---- chunkings -------------------------------------------------------------------------------


def whole(raw: bytes) -> Iterator[bytes]:
    yield raw


def byte_by_byte(raw: bytes) -> Iterator[bytes]:
    for i in range(len(raw)):
        yield raw[i : i + 1]


def random_splits(raw: bytes) -> Iterator[bytes]:
    rng = random.Random(2024)
    i = 0
    while i < len(raw):
        n = rng.randint(1, 97)
        yield raw[i : i + n]
        i += n


CHUNKINGS: dict[str, Callable[[bytes], Iterator[bytes]]] = {
    "whole": whole,
    "byte-by-byte": byte_by_byte,
    "random": random_splits,
}


def frames(raw: bytes, chunking: Callable[[bytes], Iterator[bytes]] = whole) -> list[Frame]:
    sse = reader("sse")
    out: list[Frame] = []
    for piece in chunking(raw):
        out += sse.feed(piece)
    return out + sse.finish()


def decode(raw: bytes, chunking: Callable[[bytes], Iterator[bytes]] = whole) -> tuple[list[Chunk], Decoder]:
    decoder = Decoder()
    chunks: list[Chunk] = []
    for frame in frames(raw, chunking):
        chunks += decoder.feed(frame)
    return chunks + decoder.finish(), decoder


def write(out: list[Frame]) -> bytes:
    writer = SSEWriter(with_event_names=True)
    return writer.start() + b"".join(writer.frame(f) for f in out) + writer.end()


# ---- hub accumulation ------------------------------------------------------------------------


def accumulate(chunks: list[Chunk]) -> dict[str, Any]:
    """What a client keeps from hub chunks: text, reasoning, tool calls, finish, usage."""
    acc: dict[str, Any] = {"content": "", "reasoning_content": "", "redacted": [], "finish_reason": None}
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        if chunk.get("usage"):
            acc["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            acc["content"] += delta.get("content") or ""
            acc["reasoning_content"] += delta.get("reasoning_content") or ""
            if delta.get("reasoning_redacted"):
                acc["redacted"].append(delta["reasoning_redacted"])
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call["index"], {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.get("id") or slot["id"]
                fn = call.get("function") or {}
                slot["name"] = fn.get("name") or slot["name"]
                slot["arguments"] += fn.get("arguments") or ""
            if choice.get("finish_reason"):
                acc["finish_reason"] = choice["finish_reason"]
    acc["tool_calls"] = [calls[i] for i in sorted(calls)]
    return acc


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
FORBID = pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=True)


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


def _drain(value: Any) -> Any:
    """Consume pydantic's lazily validated iterators (the SDK params use Iterable[...])."""
    if isinstance(value, dict):
        return {k: _drain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_drain(v) for v in value]
    if type(value).__name__ == "ValidatorIterator":
        return [_drain(v) for v in value]
    return value


@contextmanager
def strict_sdk_params() -> Iterator[Callable[[dict[str, Any]], None]]:
    """A validator for request bodies against the SDK's TypedDicts with unknown keys forbidden.
    The config is set on the SDK's TypedDicts only for the duration, then restored."""
    from openai.types.responses import response_create_params as params

    touched: list[tuple[type, Any]] = []
    for package in ("openai.types.responses", "openai.types.shared_params"):
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            module = importlib.import_module(info.name)
            for obj in list(vars(module).values()):
                if isinstance(obj, type) and is_typeddict(obj) and obj.__module__ == module.__name__:
                    touched.append((obj, obj.__dict__.get("__pydantic_config__")))
                    setattr(obj, "__pydantic_config__", FORBID)  # noqa: B010
    adapters: dict[bool, pydantic.TypeAdapter[Any]] = {
        False: pydantic.TypeAdapter(params.ResponseCreateParamsNonStreaming),
        True: pydantic.TypeAdapter(params.ResponseCreateParamsStreaming),
    }

    def check(body: dict[str, Any]) -> None:
        _drain(adapters[bool(body.get("stream"))].validate_python(body))

    try:
        yield check
    finally:
        for obj, old in touched:
            if old is None:
                delattr(obj, "__pydantic_config__")
            else:
                setattr(obj, "__pydantic_config__", old)  # noqa: B010
