"""Responses `Response` objects to and from the hub.

    output message (output_text, refusal)     message.content (text joined), message.refusal
    output function_call                      message.tool_calls (id = call_id, item_id = fc_ id)
    output reasoning                          message.reasoning blocks + reasoning_content (summaries)
    status completed                          finish "stop" ("tool_calls" when there are calls)
    status incomplete, max_output_tokens      finish "length"
    status incomplete, content_filter         finish "content_filter"

The hub's `stop_reason` keeps the status (or the incomplete reason). A response does not echo its
request here: `tools`, `text`, `reasoning`, `instructions` and sampling are not in the hub response,
so `from_hub` writes the SDK's required fields with neutral values (`tools: []`, `tool_choice: "auto"`).
"""

from __future__ import annotations

import time
from typing import Any

from omniroute_agent.errors import UpstreamError
from omniroute_agent.translate.hub import ChatMessage, ChatResponse, ReasoningBlock, ToolCall, Usage
from omniroute_agent.translate.responses.items import (
    FORMAT,
    function_call_item,
    message_item,
    new_id,
    obj,
    reasoning_block,
    reasoning_item,
    usage_from_hub,
    usage_to_hub,
)

_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}
_FINISH = {v: k for k, v in _INCOMPLETE.items()}


# ---- Responses → hub -------------------------------------------------------------------------


def to_hub(body: dict[str, Any]) -> ChatResponse:
    if body.get("status") == "failed":
        error = obj(body.get("error"))
        raise UpstreamError(f"upstream response failed: {error.get('message') or 'no reason given'}", status=502)
    texts: list[str] = []
    refusals: list[str] = []
    annotations: list[dict[str, Any]] = []
    calls: list[ToolCall] = []
    blocks: list[ReasoningBlock] = []
    has_message = False
    for item in body.get("output") or []:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "message":
            has_message = True
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    offset = sum(len(t) for t in texts)
                    annotations.extend(_annotation(a, offset) for a in part.get("annotations") or [])
                    texts.append(str(part.get("text", "")))
                elif part.get("type") == "refusal":
                    refusals.append(str(part.get("refusal", "")))
        elif kind == "function_call":
            call: ToolCall = {
                "id": str(item.get("call_id", "")),
                "type": "function",
                "function": {
                    "name": str(item.get("name", "")),
                    "arguments": str(item.get("arguments") or ""),
                },
            }
            if item.get("id"):
                call["item_id"] = str(item["id"])
            calls.append(call)
        elif kind == "reasoning":
            blocks.append(reasoning_block(item))
        # other item types come only from built-in tools, which requests never carry
    message: ChatMessage = {"role": "assistant", "content": "".join(texts) if has_message and texts else None}
    if refusals:
        message["refusal"] = "".join(refusals)  # type: ignore[typeddict-unknown-key]  # OpenAI Chat's own key
    if annotations := [a for a in annotations if a]:
        message["annotations"] = annotations  # type: ignore[typeddict-unknown-key]  # OpenAI Chat's own key
    if calls:
        message["tool_calls"] = calls
    if blocks:
        message["reasoning"] = blocks
        if reasoning := "\n\n".join(b["text"] for b in blocks if b.get("text")):
            message["reasoning_content"] = reasoning
    finish, stop_reason = _finish(body, bool(calls))
    hub: ChatResponse = {
        "id": str(body.get("id", "")),
        "object": "chat.completion",
        "created": int(body.get("created_at") or 0),
        "model": str(body.get("model", "")),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "stop_reason": stop_reason,
    }
    if body.get("usage") is not None:
        hub["usage"] = usage_to_hub(body["usage"])
    if body.get("service_tier") is not None:
        hub["service_tier"] = body["service_tier"]  # type: ignore[typeddict-unknown-key]  # OpenAI's own key
    return hub


def _finish(body: dict[str, Any], has_calls: bool) -> tuple[str, str]:
    status = str(body.get("status") or "completed")
    if status == "incomplete":
        details = obj(body.get("incomplete_details"))
        reason = str(details.get("reason") or "incomplete")
        return _FINISH.get(reason, "length"), reason
    return ("tool_calls" if has_calls else "stop"), status


def _annotation(raw: Any, offset: int) -> dict[str, Any]:
    """A url_citation as OpenAI Chat writes it; other annotation kinds have no Chat form."""
    if not isinstance(raw, dict) or raw.get("type") != "url_citation":
        return {}
    keys = ("url", "title")
    citation = {k: raw.get(k) for k in keys} | {
        "start_index": int(raw.get("start_index") or 0) + offset,
        "end_index": int(raw.get("end_index") or 0) + offset,
    }
    return {"type": "url_citation", "url_citation": citation}


# ---- hub → Responses -------------------------------------------------------------------------


def from_hub(response: ChatResponse, model: str) -> dict[str, Any]:
    choices = response.get("choices") or [{}]
    message = choices[0].get("message") or {}
    finish = choices[0].get("finish_reason")
    status = "incomplete" if finish in _INCOMPLETE else "completed"
    output = output_items(message, status)
    usage = response.get("usage")
    return envelope(
        response_id(response.get("id", "")),
        response.get("model") or model,
        response.get("created") or int(time.time()),
        status=status,
        output=output,
        usage=usage,
        finish=finish,
        service_tier=response.get("service_tier"),
    )


def output_items(message: ChatMessage, status: str) -> list[dict[str, Any]]:
    """The output items of one hub message: reasoning, then the message, then function calls."""
    items: list[dict[str, Any]] = []
    blocks = message.get("reasoning") or []
    for block in blocks:
        if block.get("text") or (block.get("format") == FORMAT and block.get("data")):
            own = block.get("format") == FORMAT
            item_id = block.get("id") or new_id("rs") if own else new_id("rs")
            items.append(reasoning_item(item_id, block.get("text", ""), block.get("data") if own else None))
    if not blocks and message.get("reasoning_content"):
        items.append(reasoning_item(new_id("rs"), message["reasoning_content"], None))
    content = message.get("content")
    text = content if isinstance(content, str) else _text(content)
    refusal = message.get("refusal")  # OpenAI Chat's own key
    refusal = refusal if isinstance(refusal, str) else None
    calls = message.get("tool_calls") or []
    if text or refusal or not calls:
        item = message_item(new_id("msg"), text if text or not refusal else None, refusal or None, status)
        annotations = message.get("annotations")  # OpenAI Chat's own key
        if item["content"] and isinstance(annotations, list):
            item["content"][0]["annotations"] = [_annotation_from_hub(a) for a in annotations]
        items.append(item)
    for call in calls:
        fn = call["function"]
        item_id = call.get("item_id") or new_id("fc")
        items.append(function_call_item(item_id, call["id"], fn["name"], fn["arguments"], "completed"))
    return items


def _text(content: Any) -> str:
    if not isinstance(content, list):
        return ""
    return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")


def _annotation_from_hub(raw: Any) -> dict[str, Any]:
    citation = raw.get("url_citation") if isinstance(raw, dict) else None
    if not isinstance(citation, dict):
        return {}
    return {"type": "url_citation", **citation}


def response_id(raw: str) -> str:
    """A `resp_` id: the upstream's own when it is one, else one derived from the hub id."""
    if raw.startswith("resp_"):
        return raw
    tail = "".join(ch for ch in raw if ch.isalnum())
    return f"resp_{tail}" if tail else new_id("resp")


def envelope(
    rid: str,
    model: str,
    created_at: int,
    *,
    status: str,
    output: list[dict[str, Any]],
    usage: Usage | None,
    finish: str | None = None,
    error: dict[str, Any] | None = None,
    service_tier: Any = None,
) -> dict[str, Any]:
    """A whole `Response` object; what the hub does not know gets the API's neutral defaults."""
    body: dict[str, Any] = {
        "id": rid,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "background": False,
        "completed_at": int(time.time()) if status == "completed" else None,
        "error": error,
        "incomplete_details": {"reason": _INCOMPLETE.get(finish or "", "max_output_tokens")}
        if status == "incomplete"
        else None,
        "instructions": None,
        "max_output_tokens": None,
        "max_tool_calls": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "tool_choice": "auto",
        "tools": [],
        "truncation": "disabled",
        "usage": usage_from_hub(usage) if usage else None,
        "user": None,
        "metadata": {},
    }
    if service_tier is not None:
        body["service_tier"] = service_tier
    return body
