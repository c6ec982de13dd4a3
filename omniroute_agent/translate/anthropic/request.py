"""Anthropic Messages requests to and from the hub (messages and content: `messages.py`).

    Anthropic                                   hub
    system, messages                            messages (system first)
    max_tokens                                  max_tokens (from the hub: or max_completion_tokens,
                                                else Quirks.max_tokens_default)
    stop_sequences                              stop
    temperature, top_p, top_k                   the same (dropped by Quirks.drop_sampling;
                                                temperature clamped to Anthropic's 0..1)
    tools [{name, description, input_schema}]   tools [{type: function, function: {name, ...}}]
    tool_choice auto / any / tool / none        "auto" / "required" / {function: {name}} / "none"
    tool_choice.disable_parallel_tool_use       parallel_tool_calls: false
    thinking enabled {budget_tokens}            reasoning_budget (disabled = 0)
    thinking adaptive, output_config.effort     reasoning_effort (from the hub: a thinking budget)
    output_config.format json_schema            response_format json_schema
    metadata.user_id                            user

Not translated (no hub form, nothing the model reads): `cache_control` marks, `service_tier`,
`thinking.display`; OpenAI's `seed`, penalties, `logprobs` and `metadata`. Server tools, MCP
servers, containers and `n` > 1 raise InvalidRequest.
"""

from __future__ import annotations

from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.anthropic.messages import messages_from_hub, messages_to_hub, system_to_hub
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatRequest

_SAMPLING = ("temperature", "top_p", "top_k")
_UNSUPPORTED = ("mcp_servers", "container", "context_management")
_MIN_BUDGET = 1024
EFFORT_BUDGET = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 32768, "max": 32768}
_CHOICE_TO_HUB = {"auto": "auto", "any": "required", "none": "none"}
_CHOICE_FROM_HUB = {"auto": "auto", "required": "any", "none": "none"}
RESPONSE_FORMAT_NAME = "response"
_DEFAULT_QUIRKS = Quirks()


def to_hub(body: dict[str, Any]) -> ChatRequest:
    for key in _UNSUPPORTED:
        if key in body:
            raise InvalidRequest(f"'{key}' is not supported by the gateway", param=key)
    hub: ChatRequest = {
        "model": str(body.get("model", "")),
        "messages": [*system_to_hub(body.get("system")), *messages_to_hub(body.get("messages"))],
    }
    for key in ("max_tokens", *_SAMPLING, "stream"):
        if key in body:
            hub[key] = body[key]  # type: ignore[literal-required]
    if "stop_sequences" in body:
        hub["stop"] = list(body["stop_sequences"])
    if "tools" in body:
        hub["tools"] = [_tool_to_hub(tool) for tool in body["tools"]]
    if isinstance(body.get("tool_choice"), dict):
        _tool_choice_to_hub(body["tool_choice"], hub)
    _reasoning_to_hub(body, hub)
    output_format = (body.get("output_config") or {}).get("format")
    if isinstance(output_format, dict) and output_format.get("type") == "json_schema":
        hub["response_format"] = {
            "type": "json_schema",
            "json_schema": {
                "name": RESPONSE_FORMAT_NAME,
                "schema": output_format.get("schema", {}),
                "strict": True,
            },
        }
    user_id = (body.get("metadata") or {}).get("user_id")
    if isinstance(user_id, str):
        hub["user"] = user_id
    return hub


def _tool_to_hub(tool: object) -> dict[str, Any]:
    if not isinstance(tool, dict):
        raise InvalidRequest("each tool must be an object", param="tools")
    if tool.get("type") not in (None, "custom"):
        raise InvalidRequest(
            f"tool type '{tool['type']}' (an Anthropic server tool) is not supported by the gateway",
            param="tools",
        )
    function: dict[str, Any] = {"name": tool.get("name", "")}
    if "description" in tool:
        function["description"] = tool["description"]
    function["parameters"] = tool.get("input_schema") or {"type": "object", "properties": {}}
    if "strict" in tool:
        function["strict"] = tool["strict"]
    return {"type": "function", "function": function}


def _tool_choice_to_hub(choice: dict[str, Any], hub: ChatRequest) -> None:
    kind = choice.get("type")
    if kind == "tool":
        hub["tool_choice"] = {"type": "function", "function": {"name": choice.get("name", "")}}
    elif kind in _CHOICE_TO_HUB:
        hub["tool_choice"] = _CHOICE_TO_HUB[kind]
    else:
        raise InvalidRequest(f"tool_choice type '{kind}' is not an Anthropic tool choice", param="tool_choice")
    if choice.get("disable_parallel_tool_use"):
        hub["parallel_tool_calls"] = False


def _reasoning_to_hub(body: dict[str, Any], hub: ChatRequest) -> None:
    thinking = body.get("thinking")
    effort = (body.get("output_config") or {}).get("effort")
    if isinstance(thinking, dict):
        kind = thinking.get("type")
        if kind == "enabled":
            hub["reasoning_budget"] = int(thinking.get("budget_tokens", _MIN_BUDGET))
        elif kind == "disabled":
            hub["reasoning_budget"] = 0
        elif kind == "adaptive":
            hub["reasoning_effort"] = str(effort or "high")
        else:
            raise InvalidRequest(f"thinking type '{kind}' is not supported by the gateway", param="thinking")
    if isinstance(effort, str) and "reasoning_effort" not in hub:
        hub["reasoning_effort"] = effort


# --- from the hub -------------------------------------------------------------------------------


def from_hub(request: ChatRequest, model: str, quirks: Quirks = _DEFAULT_QUIRKS) -> dict[str, Any]:
    n = request.get("n")  # an OpenAI key the hub does not declare
    if isinstance(n, int) and n > 1:
        raise InvalidRequest("Anthropic models return one choice: 'n' must be 1", param="n")
    system, messages = messages_from_hub(request.get("messages", []))
    body: dict[str, Any] = {"model": model, "messages": messages}
    if system is not None:
        body["system"] = system
    thinking = _thinking_from_hub(request)
    body["max_tokens"] = _max_tokens(request, thinking, quirks)
    if thinking:
        body["thinking"] = thinking
    if not quirks.drop_sampling:
        for key in _SAMPLING:
            if request.get(key) is not None:
                body[key] = request[key]  # type: ignore[literal-required]
        if isinstance(body.get("temperature"), int | float):
            body["temperature"] = min(max(body["temperature"], 0), 1)
    stop = request.get("stop")
    if stop:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if "stream" in request:
        body["stream"] = bool(request["stream"])
    _tools_from_hub(request, body)
    output_format = _output_format(request.get("response_format"))
    if output_format:
        body["output_config"] = {"format": output_format}
    if isinstance(request.get("user"), str):
        body["metadata"] = {"user_id": request["user"]}
    return body


def _thinking_from_hub(request: ChatRequest) -> dict[str, Any] | None:
    budget = request.get("reasoning_budget")
    if budget is None:
        effort = request.get("reasoning_effort")
        if effort is None:
            return None
        budget = 0 if effort == "none" else EFFORT_BUDGET.get(effort, EFFORT_BUDGET["medium"])
    if budget == 0:
        return {"type": "disabled"}
    if budget < 0:  # Gemini's -1: let the model decide
        budget = EFFORT_BUDGET["medium"]
    return {"type": "enabled", "budget_tokens": max(budget, _MIN_BUDGET)}


def _max_tokens(request: ChatRequest, thinking: dict[str, Any] | None, quirks: Quirks) -> int:
    """The caller's limit, else the default, raised above the thinking budget (the API wants
    max_tokens > budget_tokens)."""
    given = request.get("max_tokens") or request.get("max_completion_tokens")
    if given:
        return given
    budget = thinking.get("budget_tokens", 0) if thinking else 0
    return quirks.max_tokens_default + budget if budget >= quirks.max_tokens_default else quirks.max_tokens_default


def _tools_from_hub(request: ChatRequest, body: dict[str, Any]) -> None:
    if request.get("tools"):
        body["tools"] = [_tool_from_hub(tool) for tool in request["tools"]]
    choice = request.get("tool_choice")
    out: dict[str, Any] | None = None
    if isinstance(choice, str):
        if choice not in _CHOICE_FROM_HUB:
            raise InvalidRequest(f"tool_choice '{choice}' cannot be sent to an Anthropic model", param="tool_choice")
        out = {"type": _CHOICE_FROM_HUB[choice]}
    elif isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        if choice.get("type") != "function" or not isinstance(name, str):
            raise InvalidRequest(
                f"tool_choice type '{choice.get('type')}' cannot be sent to an Anthropic model",
                param="tool_choice",
            )
        out = {"type": "tool", "name": name}
    if request.get("parallel_tool_calls") is False and body.get("tools"):
        out = out or {"type": "auto"}
        if out["type"] != "none":
            out["disable_parallel_tool_use"] = True
    if out is not None and body.get("tools"):
        body["tool_choice"] = out


def _tool_from_hub(tool: dict[str, Any]) -> dict[str, Any]:
    function = tool.get("function")
    if tool.get("type") != "function" or not isinstance(function, dict):
        raise InvalidRequest(f"tool type '{tool.get('type')}' cannot be sent to an Anthropic model", param="tools")
    out: dict[str, Any] = {"name": function.get("name", "")}
    if function.get("description"):
        out["description"] = function["description"]
    out["input_schema"] = function.get("parameters") or {"type": "object", "properties": {}}
    if "strict" in function:
        out["strict"] = function["strict"]
    return out


def _output_format(response_format: object) -> dict[str, Any] | None:
    if not isinstance(response_format, dict) or response_format.get("type") in (None, "text"):
        return None
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        if isinstance(schema, dict):
            return {"type": "json_schema", "schema": schema}
    raise InvalidRequest(
        f"response_format type '{response_format.get('type')}' cannot be sent to an Anthropic model "
        "(use json_schema with a schema)",
        param="response_format",
    )
