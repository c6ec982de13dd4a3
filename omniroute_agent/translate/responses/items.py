"""Pieces shared by the Responses request, response and stream codecs: ids, content parts, output
items and usage. Content parts map one to one where both sides have the part:

    Responses                             hub (OpenAI Chat)
    input_text / output_text              {"type": "text"}
    input_image (image_url, detail)       {"type": "image_url", "image_url": {"url", "detail"}}
    input_file (file_data/filename/id)    {"type": "file", "file": {...}}
    refusal (assistant)                   message["refusal"]
"""

from __future__ import annotations

import secrets
from typing import Any

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.translate.hub import ReasoningBlock, Usage

FORMAT = "responses"  # ReasoningBlock.format of blocks this codec produces and replays
_FILE_KEYS = ("file_data", "file_id", "filename")


def obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (lenient reading of provider bodies)."""
    return value if isinstance(value, dict) else {}


def new_id(prefix: str) -> str:
    """An id shaped like OpenAI's (`resp_`, `msg_`, `fc_`, `rs_`, `call_` and 48 hex digits)."""
    return f"{prefix}_{secrets.token_hex(24)}"


# ---- content parts ---------------------------------------------------------------------------


def part_to_hub(part: Any, where: str) -> dict[str, Any]:
    """One input content part (user, system, developer or tool output) as a hub content part."""
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in ("input_text", "output_text"):
        return {"type": "text", "text": str(part.get("text", ""))}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str) or not url:
            if part.get("file_id"):
                raise InvalidRequest(
                    f"{where}: input_image with file_id is not supported (the gateway cannot read OpenAI "
                    "files); send the image as a data URL in image_url",
                    param=where,
                )
            raise InvalidRequest(f"{where}: input_image needs image_url", param=where)
        image: dict[str, Any] = {"url": url}
        if part.get("detail") is not None:
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        if part.get("file_url"):
            raise InvalidRequest(f"{where}: input_file with file_url is not supported", param=where)
        file = {k: part[k] for k in _FILE_KEYS if part.get(k) is not None}
        if not file.get("file_data") and not file.get("file_id"):
            raise InvalidRequest(f"{where}: input_file needs file_data or file_id", param=where)
        return {"type": "file", "file": file}
    raise InvalidRequest(f"{where}: content part type '{kind}' is not supported", param=where)


def part_from_hub(part: Any, where: str) -> dict[str, Any]:
    """One hub content part as a Responses input content part."""
    kind = part.get("type") if isinstance(part, dict) else None
    if kind == "text":
        return {"type": "input_text", "text": str(part.get("text", ""))}
    if kind == "image_url":
        image = part.get("image_url")
        url = image.get("url") if isinstance(image, dict) else image
        if not isinstance(url, str) or not url:
            raise InvalidRequest(f"{where}: image_url part without a url", param=where)
        detail = image.get("detail") if isinstance(image, dict) else None
        return {"type": "input_image", "image_url": url, "detail": detail or "auto"}
    if kind == "file":
        file = part.get("file") if isinstance(part.get("file"), dict) else {}
        out = {k: file[k] for k in _FILE_KEYS if file.get(k) is not None}
        if not out.get("file_data") and not out.get("file_id"):
            raise InvalidRequest(f"{where}: file part needs file_data or file_id", param=where)
        return {"type": "input_file", **out}
    raise InvalidRequest(f"{where}: content part type '{kind}' cannot be sent to the Responses API", param=where)


def content_to_hub(content: Any, where: str) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequest(f"{where}: content must be a string or a list of parts", param=where)
    return [part_to_hub(p, f"{where}[{i}]") for i, p in enumerate(content)]


def content_from_hub(content: Any, where: str) -> str | list[dict[str, Any]]:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequest(f"{where}: content must be a string or a list of parts", param=where)
    return [part_from_hub(p, f"{where}[{i}]") for i, p in enumerate(content)]


def text_only(content: Any, where: str) -> str:
    """The text of content that may hold only text parts (instructions, assistant turns)."""
    if content is None or isinstance(content, str):
        return content or ""
    if not isinstance(content, list):
        raise InvalidRequest(f"{where}: content must be a string or a list of parts", param=where)
    texts: list[str] = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind not in ("text", "input_text", "output_text"):
            raise InvalidRequest(f"{where}[{i}]: a '{kind}' part cannot appear here, only text", param=where)
        texts.append(str(part.get("text", "")))
    return "".join(texts)


# ---- output items ----------------------------------------------------------------------------


def text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def message_item(item_id: str, text: str | None, refusal: str | None, status: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if text is not None:
        content.append(text_part(text))
    if refusal is not None:
        content.append({"type": "refusal", "refusal": refusal})
    return {"id": item_id, "type": "message", "status": status, "content": content, "role": "assistant"}


def function_call_item(item_id: str, call_id: str, name: str, arguments: str, status: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "arguments": arguments,
        "call_id": call_id,
        "name": name,
    }


def reasoning_item(item_id: str, summary: str, encrypted: str | None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "type": "reasoning"}
    if encrypted:
        item["encrypted_content"] = encrypted
    item["summary"] = [{"type": "summary_text", "text": summary}] if summary else []
    return item


def summary_text(item: dict[str, Any]) -> str:
    """A reasoning item's text: its summary parts joined (its raw reasoning text without a summary)."""
    parts = item.get("summary") or item.get("content") or []
    return "\n\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict) and p.get("text"))


def reasoning_block(item: dict[str, Any]) -> ReasoningBlock:
    """A reasoning item (input or output) as a hub reasoning block of format "responses"."""
    text = summary_text(item)
    block: ReasoningBlock = {"type": "thinking" if text or not item.get("encrypted_content") else "redacted"}
    if text:
        block["text"] = text
    if item.get("encrypted_content"):
        block["data"] = str(item["encrypted_content"])
    if item.get("id"):
        block["id"] = str(item["id"])
    block["format"] = FORMAT
    return block


# ---- usage -----------------------------------------------------------------------------------


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def usage_to_hub(raw: Any) -> Usage:
    """Responses usage (`input_tokens`, `output_tokens`, details) as hub usage; missing counts are 0."""
    if not isinstance(raw, dict):
        return {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
    prompt, completion = _int(raw.get("input_tokens")), _int(raw.get("output_tokens"))
    total = raw.get("total_tokens")
    usage: Usage = {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": total if isinstance(total, int) else prompt + completion,
    }
    if isinstance(raw.get("input_tokens_details"), dict):
        usage["prompt_tokens_details"] = {"cached_tokens": _int(raw["input_tokens_details"].get("cached_tokens"))}
    if isinstance(raw.get("output_tokens_details"), dict):
        reasoning = _int(raw["output_tokens_details"].get("reasoning_tokens"))
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
    return usage


def usage_from_hub(usage: Usage) -> dict[str, Any]:
    prompt_details = usage.get("prompt_tokens_details") or {}
    completion_details = usage.get("completion_tokens_details") or {}
    return {
        "input_tokens": usage["prompt_tokens"],
        "input_tokens_details": {
            "cached_tokens": _int(prompt_details.get("cached_tokens")),
            "cache_write_tokens": _int(prompt_details.get("cache_write_tokens")),
        },
        "output_tokens": usage["completion_tokens"],
        "output_tokens_details": {"reasoning_tokens": _int(completion_details.get("reasoning_tokens"))},
        "total_tokens": usage["total_tokens"],
    }
