"""Gemini `GenerateContentResponse` bodies to and from the hub.

    candidates[0].content.parts     content (text parts joined), reasoning blocks + reasoning_content
                                    (thought parts), tool_calls (functionCall parts, with signatures);
                                    on the way out any format's reasoning text is shown as thought
                                    parts, with signatures only for blocks of format "gemini"
    finishReason                    finish_reason (STOP with calls → tool_calls, MAX_TOKENS → length,
                                    safety reasons → content_filter); the raw one kept as stop_reason
    promptFeedback.blockReason      no candidate: finish_reason content_filter
    usageMetadata                   usage (completion = candidates + thoughts)
    modelVersion, responseId        model, id

Only the first candidate is read: requests for more are refused on the way in.
"""

from __future__ import annotations

from typing import Any

from omniroute_agent.translate.gemini.common import (
    Json,
    finish_reason,
    gemini_finish,
    get,
    read_model_parts,
    read_usage,
    response_ids,
    write_model_parts,
    write_usage,
)
from omniroute_agent.translate.hub import ChatResponse, Choice


def to_hub(body: dict[str, Any]) -> ChatResponse:
    response: ChatResponse = {
        "id": str(get(body, "responseId") or ""),
        "object": "chat.completion",
        "model": str(get(body, "modelVersion") or ""),
    }
    candidates = get(body, "candidates")
    if isinstance(candidates, list) and candidates:
        candidate = candidates[0]
        turn = read_model_parts(get(get(candidate, "content"), "parts"), response_ids(get(body, "responseId")))
        raw = get(candidate, "finishReason")
        response["choices"] = [
            {
                "index": 0,
                "message": turn.message(),
                "finish_reason": finish_reason(raw, bool(turn.tool_calls)),
            }
        ]
    else:
        raw = get(get(body, "promptFeedback"), "blockReason")
        message: Choice = {"index": 0, "message": {"role": "assistant", "content": ""}}
        response["choices"] = [{**message, "finish_reason": "content_filter" if raw else "stop"}]
    response["usage"] = read_usage(get(body, "usageMetadata"))
    if isinstance(raw, str):
        response["stop_reason"] = raw
    return response


def from_hub(response: ChatResponse, model: str) -> dict[str, Any]:
    candidates: list[Json] = []
    for position, choice in enumerate(response.get("choices") or []):
        parts = write_model_parts(choice.get("message") or {}, any_reasoning=True)
        candidate: Json = {"content": {"role": "model", "parts": parts or [{"text": ""}]}}
        if choice.get("finish_reason") is not None:
            candidate["finishReason"] = gemini_finish(choice.get("finish_reason"), response.get("stop_reason"))
        candidate["index"] = choice.get("index", position)
        candidates.append(candidate)
    body: dict[str, Any] = {"candidates": candidates}
    if "usage" in response:
        body["usageMetadata"] = write_usage(response["usage"])
    body["modelVersion"] = response.get("model") or model
    if response.get("id"):
        body["responseId"] = response["id"]
    return body
