"""Responses requests to and from the hub: the conversation (see `conversation.py`) plus parameters.

    Responses                               hub (OpenAI Chat)
    instructions                            first message, role system
    input                                   messages
    tools [{type: function, name, ...}]     tools [{type: function, function: {name, ...}}]
    tool_choice {type: function, name}      tool_choice {type: function, function: {name}}
    max_output_tokens                       max_tokens
    text.format (json_schema, flat)         response_format {type: json_schema, json_schema: {...}}
    text.verbosity                          verbosity
    reasoning.effort                        reasoning_effort (reasoning_budget is mapped to an effort)

Shared with OpenAI Chat and kept as they are: model, stream, temperature, top_p,
parallel_tool_calls, store, metadata, user, service_tier, prompt_cache_key, prompt_cache_retention,
safety_identifier. Refused: `previous_response_id` / `conversation` (the gateway is stateless),
built-in tools, and hub parameters the Responses API has no knob for (`stop`, `n` > 1, penalties,
`logit_bias`, `logprobs`, audio). `seed` and `top_k` are sampling hints and are dropped, and so is
`reasoning.summary`, which the hub cannot carry (summaries are not asked for upstream).
Where the two APIs' defaults differ, the Chat default is written out: a function tool without
`strict` is strict in Responses and not in Chat, and Responses stores responses unless told
`store: false` (the stateless gateway never needs them stored). With `store: false` and reasoning
asked for, `include: ["reasoning.encrypted_content"]` is added, so the reasoning can be replayed.
"""

from __future__ import annotations

from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatMessage, ChatRequest
from omniroute_agent.translate.responses.conversation import input_to_messages, messages_to_input
from omniroute_agent.translate.responses.items import obj

_SHARED = (
    "model",
    "stream",
    "temperature",
    "top_p",
    "parallel_tool_calls",
    "store",
    "metadata",
    "user",
    "service_tier",
    "prompt_cache_key",
    "prompt_cache_retention",
    "safety_identifier",
)
_HANDLED = frozenset(
    (
        *_SHARED,
        "input",
        "instructions",
        "tools",
        "tool_choice",
        "max_output_tokens",
        "text",
        "reasoning",
        "include",
    )
)
_STATELESS = ("previous_response_id", "conversation")
_REFUSED = {
    "prompt": "stored prompt templates are not supported",
    "background": "background responses are not supported",
    "max_tool_calls": "max_tool_calls is not supported",
    "top_logprobs": "logprobs are not supported",
}
_IGNORED = {"stream_options": None, "truncation": "disabled"}  # None: any value
_INCLUDE_OK = ("reasoning.encrypted_content",)
_SAMPLING = ("temperature", "top_p")
_NO_QUIRKS = Quirks()


# ---- Responses → hub -------------------------------------------------------------------------


def to_hub(body: dict[str, Any]) -> ChatRequest:
    _refuse_unsupported(body)
    messages: list[ChatMessage] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    elif instructions is not None and not isinstance(instructions, str):
        raise InvalidRequest("instructions must be a string", param="instructions")
    messages.extend(input_to_messages(body.get("input", [])))
    hub: dict[str, Any] = {k: body[k] for k in _SHARED if body.get(k) is not None}
    hub["messages"] = messages
    if body.get("max_output_tokens") is not None:
        hub["max_tokens"] = body["max_output_tokens"]
    if body.get("tools"):
        hub["tools"] = [_tool_to_hub(t, i) for i, t in enumerate(body["tools"])]
    if body.get("tool_choice") is not None:
        hub["tool_choice"] = _tool_choice_to_hub(body["tool_choice"])
    text = obj(body.get("text"))
    if isinstance(text.get("format"), dict):
        hub["response_format"] = _format_to_hub(text["format"])
    if text.get("verbosity") is not None:
        hub["verbosity"] = text["verbosity"]
    reasoning = obj(body.get("reasoning"))
    if reasoning.get("effort") is not None:
        hub["reasoning_effort"] = reasoning["effort"]
    return hub  # type: ignore[return-value]  # shared OpenAI keys (store, verbosity, ...) ride along


def _refuse_unsupported(body: dict[str, Any]) -> None:
    for key in _STATELESS:
        if body.get(key) is not None:
            raise InvalidRequest(
                f"{key} is not supported: the gateway is stateless, send the whole conversation in `input`",
                param=key,
            )
    for key, value in body.items():
        if value is None or value is False or key in _HANDLED:
            continue
        if key in _IGNORED:
            if _IGNORED[key] is None or value == _IGNORED[key]:
                continue
            raise InvalidRequest(f"{key}={value!r} is not supported", param=key)
        raise InvalidRequest(_REFUSED.get(key, f"unsupported Responses parameter '{key}'"), param=key)
    include = body.get("include") or []
    for value in include if isinstance(include, list) else [include]:
        if value not in _INCLUDE_OK:
            raise InvalidRequest(f"include value '{value}' is not supported", param="include")


def _tool_to_hub(tool: Any, i: int) -> dict[str, Any]:
    kind = tool.get("type") if isinstance(tool, dict) else None
    if kind != "function":
        raise InvalidRequest(
            f"tools[{i}]: built-in tool type '{kind}' is not supported, only function tools",
            param=f"tools[{i}]",
        )
    if not isinstance(tool.get("name"), str):
        raise InvalidRequest(f"tools[{i}]: a function tool needs a name", param=f"tools[{i}]")
    function: dict[str, Any] = {"name": tool["name"]}
    if tool.get("description") is not None:
        function["description"] = tool["description"]
    if tool.get("parameters") is not None:
        function["parameters"] = tool["parameters"]
    # Responses function tools are strict unless they say otherwise; Chat's are not.
    function["strict"] = tool["strict"] if isinstance(tool.get("strict"), bool) else True
    return {"type": "function", "function": function}


def _tool_choice_to_hub(choice: Any) -> str | dict[str, Any]:
    if choice in ("auto", "none", "required"):
        return str(choice)
    if isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    kind = choice.get("type") if isinstance(choice, dict) else choice
    raise InvalidRequest(f"tool_choice '{kind}' is not supported", param="tool_choice")


def _format_to_hub(fmt: dict[str, Any]) -> dict[str, Any]:
    kind = fmt.get("type")
    if kind in ("text", "json_object"):
        return {"type": kind}
    if kind == "json_schema":
        schema = {k: fmt[k] for k in ("name", "description", "schema", "strict") if fmt.get(k) is not None}
        return {"type": "json_schema", "json_schema": schema}
    raise InvalidRequest(f"text.format type '{kind}' is not supported", param="text.format")


# ---- hub → Responses -------------------------------------------------------------------------

_HUB_REFUSED = (
    "stop",
    "logit_bias",
    "audio",
    "prediction",
    "web_search_options",
    "functions",
    "function_call",
)


def from_hub(request: ChatRequest, model: str, quirks: Quirks = _NO_QUIRKS) -> dict[str, Any]:
    hub: dict[str, Any] = dict(request)
    _refuse_inexpressible(hub)
    instructions, items = messages_to_input(request.get("messages", []), quirks)
    body: dict[str, Any] = {"model": model}
    if instructions is not None:
        body["instructions"] = instructions
    # A lone user text is written the short way, as the API's own examples (and clients) do.
    lone = len(items) == 1 and items[0].get("role") == "user" and isinstance(items[0]["content"], str)
    body["input"] = items[0]["content"] if lone else items
    for key in _SHARED[1:]:
        if hub.get(key) is not None and not (quirks.drop_sampling and key in _SAMPLING):
            body[key] = hub[key]
    max_tokens = hub.get("max_completion_tokens", hub.get("max_tokens"))
    if max_tokens is not None:
        body["max_output_tokens"] = max_tokens
    if hub.get("tools"):
        body["tools"] = [_tool_from_hub(t, i) for i, t in enumerate(hub["tools"])]
    if hub.get("tool_choice") is not None:
        body["tool_choice"] = _tool_choice_from_hub(hub["tool_choice"])
    text: dict[str, Any] = {}
    if isinstance(hub.get("response_format"), dict):
        text["format"] = _format_from_hub(hub["response_format"])
    if hub.get("verbosity") is not None:
        text["verbosity"] = hub["verbosity"]
    if text:
        body["text"] = text
    effort = hub.get("reasoning_effort") or _effort_for_budget(hub.get("reasoning_budget"))
    if effort:
        body["reasoning"] = {"effort": effort}
    replaying = any(item.get("type") == "reasoning" for item in items)
    if replaying or "store" not in body:
        body["store"] = False  # Chat's default (Responses stores by default); replayed items are carried
    if replaying or (effort and body.get("store") is False):
        body["include"] = ["reasoning.encrypted_content"]
    return body


def _refuse_inexpressible(hub: dict[str, Any]) -> None:
    for key in _HUB_REFUSED:
        if hub.get(key):
            raise InvalidRequest(f"'{key}' cannot be expressed in the Responses API", param=key)
    if isinstance(hub.get("n"), int) and hub["n"] > 1:
        raise InvalidRequest("n > 1 cannot be expressed in the Responses API", param="n")
    for key in ("presence_penalty", "frequency_penalty"):
        if hub.get(key):
            raise InvalidRequest(f"'{key}' cannot be expressed in the Responses API", param=key)
    if hub.get("logprobs") or hub.get("top_logprobs"):
        raise InvalidRequest("logprobs cannot be requested through the Responses API", param="logprobs")
    modalities = hub.get("modalities")
    if isinstance(modalities, list) and any(m != "text" for m in modalities):
        raise InvalidRequest("only text output can be requested through the Responses API", param="modalities")


def _tool_from_hub(tool: Any, i: int) -> dict[str, Any]:
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
        kind = tool.get("type") if isinstance(tool, dict) else None
        raise InvalidRequest(f"tools[{i}]: tool type '{kind}' cannot be sent to the Responses API", param="tools")
    out: dict[str, Any] = {"type": "function", "name": function.get("name")}
    if function.get("description") is not None:
        out["description"] = function["description"]
    out["parameters"] = function.get("parameters") or {"type": "object", "properties": {}}
    out["strict"] = bool(function.get("strict", False))
    return out


def _tool_choice_from_hub(choice: Any) -> str | dict[str, Any]:
    if choice in ("auto", "none", "required"):
        return str(choice)
    function = choice.get("function") if isinstance(choice, dict) else None
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        return {"type": "function", "name": function["name"]}
    raise InvalidRequest(f"tool_choice {choice!r} cannot be sent to the Responses API", param="tool_choice")


def _format_from_hub(fmt: dict[str, Any]) -> dict[str, Any]:
    kind = fmt.get("type")
    if kind in ("text", "json_object"):
        return {"type": kind}
    schema = fmt.get("json_schema")
    if kind == "json_schema" and isinstance(schema, dict):
        return {"type": "json_schema", **{k: v for k, v in schema.items() if v is not None}}
    raise InvalidRequest(f"response_format type '{kind}' cannot be sent to the Responses API", param="response_format")


def _effort_for_budget(budget: Any) -> str | None:
    """A thinking token budget (Anthropic, Gemini) as the nearest reasoning effort."""
    if not isinstance(budget, int) or budget < 0:
        return None  # absent, or Gemini's -1 (dynamic): leave it to the model
    if budget == 0:
        return "minimal"
    if budget <= 2048:
        return "low"
    return "medium" if budget <= 8192 else "high"
