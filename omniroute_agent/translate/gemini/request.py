"""Gemini `generateContent` request bodies into the hub (`to_hub`); the way out is `request_out.py`.

    systemInstruction.parts[].text          a system message
    contents[] role user / model            user / assistant messages
    text, thought parts (+ thoughtSignature) content, reasoning blocks (format "gemini")
    inlineData image/* | audio/* | other    image_url data URL | input_audio | file (file_data)
    fileData (image or no mimeType)         image_url with the file URI
    functionCall (+ thoughtSignature)       tool_calls (arguments as compact JSON text, signature)
    functionResponse                        a tool message answering the earlier call of that name
    tools[].functionDeclarations            function tools (`parameters` Schema → JSON Schema)
    toolConfig.functionCallingConfig        tool_choice
    generationConfig                        sampling, max_tokens, stop, seed, response_format,
                                            reasoning_budget / reasoning_effort

Both spellings are read: camelCase and the snake_case of the REST docs. The model and `stream` are in
the URL, not the body. `safetySettings` and `labels` have no hub equivalent and are not carried;
content the hub cannot hold (cached content, code execution, other tools, a second candidate,
non-text output) is refused with InvalidRequest.
"""

from __future__ import annotations

from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.gemini.common import (
    CallIds,
    Json,
    camel,
    data_keys,
    dumps,
    get,
    has,
    read_model_parts,
)
from omniroute_agent.translate.gemini.request_out import from_hub
from omniroute_agent.translate.gemini.schema import to_json_schema
from omniroute_agent.translate.hub import ChatMessage, ChatRequest

__all__ = ["from_hub", "to_hub"]

_SAMPLING = {
    "temperature": "temperature",
    "topP": "top_p",
    "topK": "top_k",
    "seed": "seed",
    "presencePenalty": "presence_penalty",
    "frequencyPenalty": "frequency_penalty",
    "maxOutputTokens": "max_tokens",
}
_HANDLED_CONFIG = frozenset(
    {
        *_SAMPLING,
        "stopSequences",
        "candidateCount",
        "responseMimeType",
        "responseSchema",
        "responseJsonSchema",
        "thinkingConfig",
        "responseModalities",
    }
)
_HARMLESS_CONFIG = frozenset(
    {
        "mediaResolution",
        "enableEnhancedCivicAnswers",
        "routingConfig",
        "modelSelectionConfig",
        "audioTimestamp",
    }
)
_MODES = {"AUTO": "auto", "ANY": "required", "NONE": "none", "VALIDATED": "auto"}


def to_hub(body: dict[str, Any]) -> ChatRequest:
    if get(body, "cachedContent"):
        raise InvalidRequest("Gemini cachedContent refers to content stored at Google and cannot be translated")
    request: ChatRequest = {"messages": _messages(body)}
    if tools := _tools(get(body, "tools")):
        request["tools"] = tools
    if (choice := _tool_choice(get(body, "toolConfig"))) is not None:
        request["tool_choice"] = choice
    _generation_config(get(body, "generationConfig"), request)
    return request


def _messages(body: Json) -> list[ChatMessage]:
    messages: list[ChatMessage] = []
    system = get(body, "systemInstruction")
    if system is not None:
        texts = [_text_only(p, "systemInstruction") for p in _parts(system)]
        messages.append({"role": "system", "content": texts[0]["text"] if len(texts) == 1 else texts})
    ids = CallIds()
    unanswered: list[tuple[str, str]] = []  # (id, name) of calls not answered yet, in order
    contents = get(body, "contents")
    if not isinstance(contents, list):
        raise InvalidRequest("a Gemini request needs `contents` (a list)")
    for content in contents:
        role = get(content, "role") or "user"
        if role == "model":
            turn = read_model_parts(_parts(content), ids)
            messages.append(turn.message())
            unanswered.extend((c["id"], c["function"]["name"]) for c in turn.tool_calls)
        elif role in ("user", "function"):
            messages.extend(_user_turn(_parts(content), unanswered))
        else:
            raise InvalidRequest(f"Gemini content role '{role}' is not 'user' or 'model'")
    return messages


def _parts(content: Any) -> list[Json]:
    parts = get(content, "parts")
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise InvalidRequest("a Gemini content needs `parts` (a list of objects)")
    return parts


def _text_only(part: Json, where: str) -> dict[str, Any]:
    text = get(part, "text")
    if not isinstance(text, str):
        raise InvalidRequest(f"Gemini {where} may hold text parts only, not {data_keys(part)}")
    return {"type": "text", "text": text}


def _user_turn(parts: list[Json], unanswered: list[tuple[str, str]]) -> list[ChatMessage]:
    """Tool messages for the function responses, then a user message with the other parts."""
    tools: list[ChatMessage] = []
    content: list[dict[str, Any]] = []
    for part in parts:
        if has(part, "functionResponse"):
            tools.append(_tool_message(get(part, "functionResponse"), unanswered))
        elif part.get("thought") or has(part, "functionCall"):
            raise InvalidRequest("a Gemini user turn cannot hold thoughts or function calls")
        elif has(part, "text"):
            content.append(_text_only(part, "text part"))
        elif has(part, "inlineData"):
            content.append(_inline_data(get(part, "inlineData")))
        elif has(part, "fileData"):
            content.append(_file_data(get(part, "fileData")))
        else:
            raise InvalidRequest(f"a Gemini part with {data_keys(part)} cannot be translated")
    if not content:
        return tools
    single = len(content) == 1 and content[0]["type"] == "text"
    user: ChatMessage = {"role": "user", "content": content[0]["text"] if single else content}
    return [*tools, user]


def _tool_message(response: Any, unanswered: list[tuple[str, str]]) -> ChatMessage:
    name = get(response, "name")
    if not isinstance(name, str) or not name:
        raise InvalidRequest("Gemini functionResponse without a name")
    given = get(response, "id")
    for i, (call_id, call_name) in enumerate(unanswered):
        if (given and call_id == given) or (not given and call_name == name):
            del unanswered[i]
            break
    else:
        if not given:
            raise InvalidRequest(f"Gemini functionResponse '{name}' answers no earlier functionCall of that name")
        call_id = given
    value = get(response, "response")
    return {"role": "tool", "tool_call_id": call_id, "content": dumps(value if value is not None else {})}


def _inline_data(blob: Any) -> dict[str, Any]:
    mime, data = get(blob, "mimeType"), get(blob, "data")
    if not isinstance(mime, str) or not isinstance(data, str):
        raise InvalidRequest("Gemini inlineData needs mimeType and base64 data")
    url = f"data:{mime};base64,{data}"
    if mime.startswith("image/"):
        return {"type": "image_url", "image_url": {"url": url}}
    if mime.startswith("audio/"):
        kind = mime.removeprefix("audio/").removeprefix("x-")
        return {
            "type": "input_audio",
            "input_audio": {"data": data, "format": {"mpeg": "mp3"}.get(kind, kind)},
        }
    file: dict[str, Any] = {"file_data": url}
    if isinstance(name := get(blob, "displayName"), str):
        file["filename"] = name
    return {"type": "file", "file": file}


def _file_data(file: Any) -> dict[str, Any]:
    uri, mime = get(file, "fileUri"), get(file, "mimeType")
    if not isinstance(uri, str) or not uri:
        raise InvalidRequest("Gemini fileData needs fileUri")
    if mime is not None and not str(mime).startswith("image/"):
        raise InvalidRequest(f"Gemini fileData of type '{mime}' cannot be translated (only images by URL)")
    return {"type": "image_url", "image_url": {"url": uri}}


def _tools(tools: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for tool in tools if isinstance(tools, list) else []:
        for key in tool:
            if key not in ("functionDeclarations", "function_declarations"):
                raise InvalidRequest(f"Gemini tool '{key}' cannot be translated (only functionDeclarations)")
        for decl in get(tool, "functionDeclarations") or []:
            function: dict[str, Any] = {"name": get(decl, "name")}
            if get(decl, "description") is not None:
                function["description"] = get(decl, "description")
            schema = get(decl, "parametersJsonSchema")
            schema = schema if schema is not None else get(decl, "parameters")
            if schema is not None:
                function["parameters"] = to_json_schema(schema)
            out.append({"type": "function", "function": function})
    return out


def _tool_choice(config: Any) -> str | dict[str, Any] | None:
    calling = get(config, "functionCallingConfig")
    if not isinstance(calling, dict):
        return None
    mode = str(get(calling, "mode") or "AUTO").upper()
    if mode not in _MODES:
        raise InvalidRequest(f"Gemini functionCallingConfig.mode '{mode}' is not supported")
    names = get(calling, "allowedFunctionNames") or []
    if not names or mode == "NONE":
        return _MODES[mode]
    if mode == "ANY" and len(names) == 1:
        return {"type": "function", "function": {"name": names[0]}}
    tools = [{"type": "function", "function": {"name": n}} for n in names]
    return {"type": "allowed_tools", "allowed_tools": {"mode": _MODES[mode], "tools": tools}}


def _generation_config(config: Any, request: ChatRequest) -> None:
    if not isinstance(config, dict):
        return
    for key, value in config.items():
        name = camel(key)
        if name not in _HANDLED_CONFIG and name not in _HARMLESS_CONFIG and value not in (None, False, 0, [], {}):
            raise InvalidRequest(f"Gemini generationConfig.{name} cannot be translated")
    wire: dict[str, Any] = request  # type: ignore[assignment]  # the hub keeps OpenAI keys it does not name
    for gemini, hub in _SAMPLING.items():
        if (value := get(config, gemini)) is not None:
            wire[hub] = value
    if (stop := get(config, "stopSequences")) is not None:
        request["stop"] = stop
    if get(config, "candidateCount") not in (None, 1):
        raise InvalidRequest("Gemini candidateCount above 1 is not supported")
    modalities = get(config, "responseModalities")
    if modalities and any(str(m).upper() != "TEXT" for m in modalities):
        raise InvalidRequest(f"Gemini responseModalities {modalities} cannot be translated (text only)")
    if (response_format := _response_format(config)) is not None:
        request["response_format"] = response_format
    _thinking(get(config, "thinkingConfig"), request)


def _response_format(config: Json) -> dict[str, Any] | None:
    mime = get(config, "responseMimeType")
    schema = get(config, "responseJsonSchema")
    schema = schema if schema is not None else get(config, "responseSchema")
    if mime in (None, "text/plain") and schema is None:
        return None
    if mime != "application/json":
        raise InvalidRequest(f"Gemini responseMimeType '{mime}' cannot be translated")
    if schema is None:
        return {"type": "json_object"}
    return {"type": "json_schema", "json_schema": {"name": "response", "schema": to_json_schema(schema)}}


def _thinking(config: Any, request: ChatRequest) -> None:
    if not isinstance(config, dict):
        return
    budget, level = get(config, "thinkingBudget"), get(config, "thinkingLevel")
    if isinstance(budget, int):
        request["reasoning_budget"] = budget
    elif isinstance(level, str) and level.upper() != "THINKING_LEVEL_UNSPECIFIED":
        request["reasoning_effort"] = level.lower()
    elif get(config, "includeThoughts") is True:
        request["reasoning_effort"] = "medium"  # Gemini's default, dynamic thinking, with thoughts shown
