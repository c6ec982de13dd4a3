"""Shared by the Ollama spoke tests: the fixture directories and Ollama's key sets.

The `ollama` SDK is not installed, and ollama-python ignores unknown keys anyway, so outputs are
checked against the key sets of ollama/ollama `api/types.go` (as tests/wire/README.md's validator
pins them) and against the keys the fixtures show.
"""

from __future__ import annotations

import re
from typing import Any

from tests.unit.translate.streams import WIRE

OLLAMA = WIRE / "ollama"
OPENAI = WIRE / "openai-chat"

REQUEST_KEYS = {"model", "messages", "stream", "format", "keep_alive", "tools", "options", "think"}
MESSAGE_KEYS = {"role", "content", "thinking", "images", "tool_calls", "tool_name", "tool_call_id"}
TOOL_CALL_KEYS = {"id", "function"}
TOOL_CALL_FN_KEYS = {"index", "name", "arguments"}
TOOL_KEYS = {"type", "items", "function"}
TOOL_FN_KEYS = {"name", "description", "parameters"}
OPTION_KEYS = {
    "seed",
    "num_predict",
    "top_k",
    "top_p",
    "temperature",
    "presence_penalty",
    "frequency_penalty",
    "stop",
}
# what the fixtures' response objects show, less the timing counters the hub cannot carry
RESPONSE_KEYS = {"model", "created_at", "message", "done", "done_reason", "prompt_eval_count", "eval_count"}
# the fixtures' 8x8 PNG and get_weather tool
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAHUlEQVR42mO4YGAARP/BAJnNgFMCUwjCxi1BBzsASlSFoTRYE6kAAAAASUVO"
    "RK5CYII="
)
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a location.",
        "parameters": {
            "type": "object",
            "required": ["location", "unit"],
            "properties": {
                "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
        },
    },
}
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)")


def subset(keys: Any, allowed: set[str], label: str) -> None:
    extra = set(keys) - allowed
    assert not extra, f"{label}: keys Ollama does not know: {sorted(extra)}"


def check_message(message: dict[str, Any], label: str) -> None:
    subset(message, MESSAGE_KEYS, label)
    assert isinstance(message.get("content"), str), f"{label}: content is a string"
    for i, call in enumerate(message.get("tool_calls") or []):
        subset(call, TOOL_CALL_KEYS, f"{label}.tool_calls[{i}]")
        subset(call["function"], TOOL_CALL_FN_KEYS, f"{label}.tool_calls[{i}].function")
        assert isinstance(call["function"]["arguments"], dict), "arguments are a JSON object"
        assert re.fullmatch(r"call_\w+", call["id"])
    for image in message.get("images") or []:
        assert re.fullmatch(r"[A-Za-z0-9+/]+=*", image), "raw base64, no data-URL prefix"


def check_request(body: dict[str, Any]) -> None:
    subset(body, REQUEST_KEYS, "request")
    assert isinstance(body["stream"], bool), "stream is always written (Ollama streams when it is absent)"
    for i, message in enumerate(body["messages"]):
        check_message(message, f"messages[{i}]")
        assert [c["function"]["index"] for c in message.get("tool_calls", [])] == list(
            range(len(message.get("tool_calls", [])))
        )
    for i, tool in enumerate(body.get("tools") or []):
        subset(tool, TOOL_KEYS, f"tools[{i}]")
        subset(tool["function"], TOOL_FN_KEYS, f"tools[{i}].function")
    subset(body.get("options") or {}, OPTION_KEYS, "options")


def check_response(body: dict[str, Any], *, final: bool = True) -> None:
    subset(body, RESPONSE_KEYS, "response")
    assert RFC3339.fullmatch(body["created_at"])
    assert body["message"]["role"] == "assistant"
    check_message(body["message"], "message")
    if final:
        calls = body["message"].get("tool_calls", [])
        assert [c["function"]["index"] for c in calls] == list(range(len(calls)))
    if final:
        assert body["done"] is True
        assert body["done_reason"] in ("stop", "length")
        assert isinstance(body["prompt_eval_count"], int)
        assert isinstance(body["eval_count"], int)
    else:
        assert body["done"] is False
        assert "done_reason" not in body
