"""Hub requests out to a Gemini `generateContent` body (the model and `stream` go in the URL).

    system / developer messages     systemInstruction (or the first user turn, `system_as_user`)
    user parts                      text, inlineData (data URLs, input_audio, file data), fileData (URLs)
    assistant                       role model: thought parts (blocks of format "gemini" only, with
                                    their signatures), text, functionCall parts with thoughtSignature
    tool messages                   functionResponse parts in a user turn, named after the call they
                                    answer; JSON-object content as it is, other text as {"result": text}
    tools / tool_choice             functionDeclarations with parametersJsonSchema / functionCallingConfig
    response_format json_schema     responseMimeType application/json + responseJsonSchema
    reasoning_budget / _effort      thinkingConfig.thinkingBudget (+ includeThoughts when thinking)

Adjacent turns of one role are merged (Gemini alternates user and model). Every tool call must be
answered before the next message, as Gemini requires; reasoning of other formats is not replayed.
"""

from __future__ import annotations

import json
import mimetypes
import re
from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.base import Quirks
from omniroute_agent.translate.gemini.common import Json, is_made_id, write_model_parts
from omniroute_agent.translate.hub import ChatMessage, ChatRequest, message_text

_DATA_URL = re.compile(r"^data:([^;,]+)((?:;[^;,]*)*);base64,(.*)$", re.DOTALL)
_EFFORT_BUDGET = {"none": 0, "minimal": 512, "low": 1024, "medium": -1, "high": 24576, "xhigh": 24576}
_CONFIG = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
}
_SAMPLING = ("temperature", "top_p", "top_k")
_NO_QUIRKS = Quirks()
_TOOL_MODES = {"auto": "AUTO", "required": "ANY", "none": "NONE"}


def from_hub(request: ChatRequest, model: str, quirks: Quirks = _NO_QUIRKS) -> dict[str, Any]:
    del model  # in the URL
    system, contents = _contents(request.get("messages") or [])
    body: dict[str, Any] = {}
    if system and quirks.system_as_user:
        _fold_system(system, contents)
    elif system:
        body["systemInstruction"] = {"parts": system}
    body["contents"] = contents
    if tools := _tools(request.get("tools") or []):
        body["tools"] = tools
    if (config := _tool_config(request.get("tool_choice"))) is not None:
        body["toolConfig"] = config
    if generation := _generation_config(request, quirks):
        body["generationConfig"] = generation
    return body


def _contents(messages: list[ChatMessage]) -> tuple[list[Json], list[Json]]:
    system: list[Json] = []
    contents: list[Json] = []
    names: dict[str, str] = {}  # tool call id → function name, latest turn wins
    waiting: list[str] = []  # tool call ids of the last assistant turn still unanswered
    for message in messages:
        role = message.get("role")
        if role != "tool" and waiting:
            raise _unanswered(waiting[0])
        if role in ("system", "developer"):
            system.extend(_text_parts(message.get("content"), role))
        elif role == "user":
            _append(contents, "user", [_user_part(p) for p in _user_items(message.get("content"))])
        elif role == "assistant":
            calls = message.get("tool_calls") or []
            names.update({c["id"]: c["function"]["name"] for c in calls})
            waiting = [c["id"] for c in calls]
            _append(contents, "model", write_model_parts(message))
        elif role == "tool":
            call_id = message.get("tool_call_id") or ""
            if call_id not in names:
                raise InvalidRequest(f"tool message answers unknown tool call id '{call_id}'")
            if call_id in waiting:
                waiting.remove(call_id)
            _append(contents, "user", [_function_response(call_id, names[call_id], message.get("content"))])
        else:
            raise InvalidRequest(f"message role '{role}' cannot be sent to Gemini")
    if waiting:
        raise _unanswered(waiting[0])
    return system, contents


def _unanswered(call_id: str) -> InvalidRequest:
    return InvalidRequest(f"tool call '{call_id}' has no tool result; Gemini needs a functionResponse for every call")


def _append(contents: list[Json], role: str, parts: list[Json]) -> None:
    if not parts:
        return
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _fold_system(system: list[Json], contents: list[Json]) -> None:
    for content in contents:
        if content["role"] == "user":
            content["parts"][:0] = system
            return
    contents.insert(0, {"role": "user", "parts": system})


def _text_parts(content: Any, role: Any) -> list[Json]:
    if isinstance(content, list):
        for item in content:
            if not isinstance(item, dict) or item.get("type") != "text":
                raise InvalidRequest(f"a {role} message may hold text parts only to be sent to Gemini")
        return [{"text": str(item.get("text") or "")} for item in content]
    return [{"text": message_text(content)}]


def _user_items(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, list):
        return content
    return [{"type": "text", "text": message_text(content)}]


def _user_part(item: Any) -> Json:
    kind = item.get("type") if isinstance(item, dict) else None
    if kind == "text":
        return {"text": str(item.get("text") or "")}
    if kind == "image_url":
        image = item.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        return _url_part(str(url or ""))
    if kind == "input_audio":
        audio = item.get("input_audio") or {}
        fmt = str(audio.get("format") or "wav")
        return {"inlineData": {"mimeType": f"audio/{fmt}", "data": audio.get("data") or ""}}
    if kind == "file":
        file = item.get("file") or {}
        if not isinstance(file.get("file_data"), str):
            raise InvalidRequest("a file part needs file_data to be sent to Gemini (file ids are OpenAI's)")
        return _url_part(file["file_data"])
    raise InvalidRequest(f"a content part of type '{kind}' cannot be sent to Gemini")


def _url_part(url: str) -> Json:
    if url.startswith("data:"):
        m = _DATA_URL.match(url)
        if not m:
            raise InvalidRequest("a data URL sent to Gemini must be base64-encoded")
        return {"inlineData": {"mimeType": m.group(1), "data": m.group(3)}}
    if not url:
        raise InvalidRequest("an image_url part without a URL")
    file: Json = {"fileUri": url}
    if mime := mimetypes.guess_type(url.split("?", 1)[0])[0]:
        file["mimeType"] = mime
    return {"fileData": file}


def _function_response(call_id: str, name: str, content: Any) -> Json:
    if isinstance(content, list):
        for item in content:
            if not isinstance(item, dict) or item.get("type") != "text":
                raise InvalidRequest(f"the result of tool call '{call_id}' may hold text parts only for Gemini")
    text = message_text(content)
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    response: Json = {"name": name, "response": parsed if isinstance(parsed, dict) else {"result": text}}
    if not is_made_id(call_id):
        response = {"id": call_id, **response}
    return {"functionResponse": response}


def _tools(tools: list[dict[str, Any]]) -> list[Json]:
    declarations: list[Json] = []
    for tool in tools:
        function = tool.get("function")
        if tool.get("type") != "function" or not isinstance(function, dict):
            raise InvalidRequest(f"a tool of type '{tool.get('type')}' cannot be sent to Gemini")
        decl: Json = {"name": function.get("name")}
        if function.get("description") is not None:
            decl["description"] = function["description"]
        if isinstance(schema := function.get("parameters"), dict):
            decl["parametersJsonSchema"] = {k: v for k, v in schema.items() if k != "$schema"}
        declarations.append(decl)
    return [{"functionDeclarations": declarations}] if declarations else []


def _tool_config(choice: Any) -> Json | None:
    if choice is None:
        return None
    if isinstance(choice, str):
        if choice not in _TOOL_MODES:
            raise InvalidRequest(f"tool_choice '{choice}' cannot be sent to Gemini")
        return {"functionCallingConfig": {"mode": _TOOL_MODES[choice]}}
    if isinstance(choice, dict) and choice.get("type") == "function":
        name = (choice.get("function") or {}).get("name")
        return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        allowed = choice.get("allowed_tools") or {}
        names = [(t.get("function") or {}).get("name") for t in allowed.get("tools") or []]
        # Gemini takes allowedFunctionNames with ANY or VALIDATED (calls optional, names enforced) only
        mode = "ANY" if allowed.get("mode") == "required" else "VALIDATED"
        return {"functionCallingConfig": {"mode": mode, "allowedFunctionNames": names}}
    raise InvalidRequest(f"tool_choice {json.dumps(choice)[:100]} cannot be sent to Gemini")


def _generation_config(request: ChatRequest, quirks: Quirks) -> Json:
    wire: dict[str, Any] = request  # type: ignore[assignment]  # OpenAI keys the hub does not name
    if (wire.get("n") or 1) != 1:
        raise InvalidRequest("n above 1 cannot be sent to Gemini")
    config: Json = {}
    for hub, gemini in _CONFIG.items():
        if wire.get(hub) is not None and not (quirks.drop_sampling and hub in _SAMPLING):
            config[gemini] = wire[hub]
    max_tokens = request.get("max_completion_tokens") or request.get("max_tokens")
    if max_tokens is not None:
        config["maxOutputTokens"] = max_tokens
    stop = request.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    config.update(_response_format(request.get("response_format")))
    budget = request.get("reasoning_budget")
    if budget is None and request.get("reasoning_effort") is not None:
        effort = str(request.get("reasoning_effort"))
        if effort not in _EFFORT_BUDGET:
            raise InvalidRequest(f"reasoning_effort '{effort}' cannot be sent to Gemini")
        budget = _EFFORT_BUDGET[effort]
    if budget is not None:
        config["thinkingConfig"] = {"thinkingBudget": budget, **({"includeThoughts": True} if budget else {})}
    return config


def _response_format(response_format: Any) -> Json:
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind in (None, "text"):
        return {}
    if kind == "json_object":
        return {"responseMimeType": "application/json"}
    if kind == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema")
        out: Json = {"responseMimeType": "application/json"}
        if isinstance(schema, dict):
            out["responseJsonSchema"] = {k: v for k, v in schema.items() if k != "$schema"}
        return out
    raise InvalidRequest(f"response_format '{kind}' cannot be sent to Gemini")
