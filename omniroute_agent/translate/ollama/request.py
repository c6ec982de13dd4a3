"""Ollama `/api/chat` requests to and from the hub.

    messages[].images (raw base64)      image_url parts holding data URLs
    messages[].thinking                 reasoning_content + a reasoning block (format "ollama")
    tool_calls[].function.arguments     JSON object ⇄ JSON text
    role "tool" + tool_call_id/tool_name  role "tool" + tool_call_id (tool_name looked up on the way out)
    options.num_predict                 max_tokens (max_completion_tokens on the way out, too)
    format "json" | schema              response_format json_object | json_schema
    think true/false/"low"|"high"|"max" reasoning_effort medium/none/low/high/xhigh
    stream absent                       stream true (Ollama streams by default); always written out

Not carried by the hub (Ollama runtime settings): `keep_alive`, `truncate`, `shift`, `logprobs`,
and options other than the sampling ones (`num_ctx`, `min_p`, `repeat_penalty`, ...).
"""

from __future__ import annotations

from typing import Any, cast

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.hub import ChatMessage, ChatRequest, ToolCall
from omniroute_agent.translate.ollama.common import (
    hub_tool_call,
    image_data,
    image_part,
    ollama_tool_call,
    reasoning_blocks,
    reasoning_text,
)

_ROLES = ("system", "user", "assistant", "tool")
_OPTIONS = ("temperature", "top_p", "top_k", "seed", "presence_penalty", "frequency_penalty")
_SAMPLING = ("temperature", "top_p", "top_k")
_THINK_TO_EFFORT: dict[Any, str] = {
    True: "medium",
    False: "none",
    "low": "low",
    "medium": "medium",
    "high": "high",
    "max": "xhigh",
}
_EFFORT_TO_THINK: dict[str, bool | str] = {
    "none": False,
    "minimal": "low",
    "low": "low",
    "medium": True,
    "high": "high",
    "xhigh": "max",
}
_NO_QUIRKS = Quirks()
_SCHEMA_NAME = "response"  # OpenAI needs a name for a json_schema; Ollama has none


# ---- Ollama → hub


def to_hub(body: dict[str, Any]) -> ChatRequest:
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list):
        raise InvalidRequest("messages must be a list", param="messages")
    request: ChatRequest = {
        "messages": _messages_to_hub(raw_messages),
        "stream": body.get("stream") is not False,
    }
    if isinstance(body.get("model"), str):
        request["model"] = body["model"]
    if isinstance(body.get("tools"), list):
        request["tools"] = body["tools"]
    _options_to_hub(body.get("options"), request)
    if "format" in body and body["format"] not in (None, ""):
        request["response_format"] = _format_to_hub(body["format"])
    if body.get("think") is not None:
        if body["think"] not in _THINK_TO_EFFORT:
            raise InvalidRequest(
                f"think must be true, false, low, medium, high or max, not {body['think']!r}", param="think"
            )
        request["reasoning_effort"] = _THINK_TO_EFFORT[body["think"]]
    return request


def _messages_to_hub(raw: list[Any]) -> list[ChatMessage]:
    out: list[ChatMessage] = []
    pending: list[ToolCall] = []  # calls not yet answered, to give id-less tool results their call's id
    count = 0
    for i, message in enumerate(raw):
        where = f"messages[{i}]"
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            role = message.get("role") if isinstance(message, dict) else None
            raise InvalidRequest(f"{where}: role must be one of {', '.join(_ROLES)}, not {role!r}", param=where)
        hub: ChatMessage = {"role": message["role"], "content": _content_to_hub(message, where)}
        thinking = message.get("thinking")
        if isinstance(thinking, str) and thinking:
            hub["reasoning_content"] = thinking
            hub["reasoning"] = reasoning_blocks(thinking)
        calls = message.get("tool_calls")
        if calls and (message["role"] != "assistant" or not isinstance(calls, list)):
            raise InvalidRequest(f"{where}: tool_calls must be a list on an assistant message", param=where)
        if calls:
            hub["tool_calls"] = []
            for j, call in enumerate(calls):
                hub["tool_calls"].append(hub_tool_call(call, count, f"{where}.tool_calls[{j}]"))
                count += 1
            if hub["content"] == "" and "content" not in message:
                hub["content"] = None
            pending = list(hub["tool_calls"])
        if message["role"] == "tool":
            hub["tool_call_id"] = _answered_call(message, pending, where)
        out.append(hub)
    return out


def _content_to_hub(message: dict[str, Any], where: str) -> str | list[dict[str, Any]]:
    content = message.get("content")
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise InvalidRequest(f"{where}.content must be a string", param=f"{where}.content")
    images = message.get("images")
    if not images:
        return content
    if not isinstance(images, list) or not all(isinstance(img, str) for img in images):
        raise InvalidRequest(f"{where}.images must be a list of base64 strings", param=f"{where}.images")
    parts: list[dict[str, Any]] = [{"type": "text", "text": content}] if content else []
    return parts + [image_part(img) for img in images]


def _answered_call(message: dict[str, Any], pending: list[ToolCall], where: str) -> str:
    """The id of the call a tool result answers: its `tool_call_id`, else the first unanswered call
    with its `tool_name`, else the first unanswered call."""
    call_id = message.get("tool_call_id")
    name = message.get("tool_name")
    match = next((c for c in pending if c["id"] == call_id), None) if call_id else None
    if match is None and not call_id:
        match = next((c for c in pending if c["function"]["name"] == name), None)
        match = match or (pending[0] if pending else None)
    if match is not None:
        pending.remove(match)
        return match["id"]
    if isinstance(call_id, str) and call_id:
        return call_id
    raise InvalidRequest(f"{where}: tool result without tool_call_id answers no earlier tool call", param=where)


def _options_to_hub(options: Any, request: ChatRequest) -> None:
    if options is None:
        return
    if not isinstance(options, dict):
        raise InvalidRequest("options must be an object", param="options")
    for key in _OPTIONS:
        if options.get(key) is not None:
            cast(dict[str, Any], request)[key] = options[key]
    num_predict = options.get("num_predict")
    if isinstance(num_predict, int) and num_predict >= 0:  # -1 / -2: no limit, fill the context
        request["max_tokens"] = num_predict
    if options.get("stop") is not None:
        request["stop"] = options["stop"]


def _format_to_hub(fmt: Any) -> dict[str, Any]:
    if fmt == "json":
        return {"type": "json_object"}
    if isinstance(fmt, dict):
        return {"type": "json_schema", "json_schema": {"name": _SCHEMA_NAME, "schema": fmt}}
    raise InvalidRequest(f'format must be "json" or a JSON schema object, not {fmt!r}', param="format")


# ---- hub → Ollama


def from_hub(request: ChatRequest, model: str, quirks: Quirks = _NO_QUIRKS) -> dict[str, Any]:
    """The `/api/chat` body for `model`. `stream` is always written: Ollama streams when it is absent."""
    if (cast(dict[str, Any], request).get("n") or 1) != 1:
        raise InvalidRequest("Ollama returns one choice; n must be 1", param="n")
    body: dict[str, Any] = {
        "model": model,
        "messages": _messages_from_hub(request.get("messages") or [], quirks),
        "stream": bool(request.get("stream", False)),
    }
    tools = _tools_from_hub(request)
    if tools:
        body["tools"] = tools
    options = _options_from_hub(request, quirks)
    if options:
        body["options"] = options
    fmt = _format_from_hub(request.get("response_format"))
    if fmt is not None:
        body["format"] = fmt
    think = _think_from_hub(request)
    if think is not None:
        body["think"] = think
    return body


def _messages_from_hub(messages: list[ChatMessage], quirks: Quirks) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    names: dict[str, str] = {}  # tool call id → function name, for the results' tool_name
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role")
        if role == "developer":
            role = "system"
        if role not in _ROLES:
            raise InvalidRequest(f"{where}: Ollama has no {role!r} role", param=where)
        content, images = _content_from_hub(message.get("content"), where)
        wire: dict[str, Any] = {"role": role, "content": content}
        if images:
            wire["images"] = images
        if role == "assistant":
            thinking = reasoning_text(message)
            if thinking:
                wire["thinking"] = thinking
            calls = message.get("tool_calls") or []
            if calls:
                wire["tool_calls"] = [ollama_tool_call(c, j, f"{where}.tool_calls[{j}]") for j, c in enumerate(calls)]
                names.update((c["id"], c["function"]["name"]) for c in calls)
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id:
                wire["tool_call_id"] = call_id
                if call_id in names:
                    wire["tool_name"] = names[call_id]
        out.append(wire)
    return _fold_system_into_user(out) if quirks.system_as_user else out


def _content_from_hub(content: Any, where: str) -> tuple[str, list[str]]:
    """(text, images) of a hub content; parts Ollama cannot take raise InvalidRequest."""
    if content is None:
        return "", []
    if isinstance(content, str):
        return content, []
    if not isinstance(content, list):
        raise InvalidRequest(f"{where}.content must be a string or a list of parts", param=f"{where}.content")
    texts: list[str] = []
    images: list[str] = []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("text") or ""))
        elif kind == "image_url":
            images.append(image_data(part, f"{where}.content[{j}]"))
        else:
            raise InvalidRequest(
                f"{where}.content[{j}]: Ollama cannot take a {kind!r} content part",
                param=f"{where}.content[{j}]",
            )
    return "".join(texts), images


def _fold_system_into_user(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system" and m["content"])
    rest = [m for m in messages if m["role"] != "system"]
    if not system:
        return rest
    for i, m in enumerate(rest):
        if m["role"] == "user":
            rest[i] = {**m, "content": f"{system}\n\n{m['content']}" if m["content"] else system}
            return rest
    return [{"role": "user", "content": system}, *rest]


def _tools_from_hub(request: ChatRequest) -> list[dict[str, Any]]:
    """Function tools in Ollama's shape (`strict` has no Ollama meaning). `tool_choice` "none" sends
    no tools; "required" or a named function cannot be expressed."""
    choice = request.get("tool_choice")
    if choice == "none":
        return []
    if choice not in (None, "auto"):
        raise InvalidRequest(f"Ollama has no tool_choice; cannot honour {choice!r}", param="tool_choice")
    tools: list[dict[str, Any]] = []
    for i, tool in enumerate(request.get("tools") or []):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type", "function") != "function" or not isinstance(function, dict):
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise InvalidRequest(f"tools[{i}]: Ollama takes function tools only, not {kind!r}", param=f"tools[{i}]")
        wire_fn = {k: function[k] for k in ("name", "description", "parameters") if k in function}
        wire: dict[str, Any] = {"type": "function", "function": wire_fn}
        if "items" in tool:
            wire["items"] = tool["items"]
        tools.append(wire)
    return tools


def _options_from_hub(request: ChatRequest, quirks: Quirks) -> dict[str, Any]:
    raw = cast(dict[str, Any], request)
    options: dict[str, Any] = {k: raw[k] for k in _OPTIONS if raw.get(k) is not None}
    if quirks.drop_sampling:
        for key in _SAMPLING:
            options.pop(key, None)
    max_tokens = request.get("max_completion_tokens", request.get("max_tokens"))
    if max_tokens is not None:
        options["num_predict"] = max_tokens
    stop = request.get("stop")
    if stop:
        options["stop"] = [stop] if isinstance(stop, str) else list(stop)
    return options


def _format_from_hub(response_format: Any) -> str | dict[str, Any] | None:
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if response_format is None or kind == "text":
        return None
    if kind == "json_object":
        return "json"
    schema = (response_format.get("json_schema") or {}).get("schema") if kind == "json_schema" else None
    if isinstance(schema, dict):
        return schema
    raise InvalidRequest(
        f"Ollama cannot take response_format {kind!r} without a schema object", param="response_format"
    )


def _think_from_hub(request: ChatRequest) -> bool | str | None:
    effort = request.get("reasoning_effort")
    if effort is not None:
        if effort not in _EFFORT_TO_THINK:
            raise InvalidRequest(f"Ollama cannot express reasoning_effort {effort!r}", param="reasoning_effort")
        return _EFFORT_TO_THINK[effort]
    budget = request.get("reasoning_budget")
    if budget is not None:
        return budget != 0
    return None
