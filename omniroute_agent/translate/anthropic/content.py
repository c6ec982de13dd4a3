"""Single content blocks ⇄ hub content parts: text, images and PDF documents.

    Anthropic                                   hub part
    text                                        text
    image  source base64 {media_type, data}     image_url  data:<media_type>;base64,<data>
    image  source url                           image_url  <url>
    document  source base64 (PDF), title        file  {file_data: data: URL, filename}

Anything else raises InvalidRequest naming the block or part type.
"""

from __future__ import annotations

from typing import Any

from omniroute_agent.errors import InvalidRequest

_DATA_URL_MARK = ";base64,"


def part_to_hub(block: object) -> dict[str, Any]:
    """A hub content part for an Anthropic text, image or document block."""
    if not isinstance(block, dict):
        raise InvalidRequest("a content block must be an object", param="messages")
    kind = block.get("type")
    if kind == "text":
        return {"type": "text", "text": _text(block)}
    if kind == "image":
        return {"type": "image_url", "image_url": {"url": _source_url(block, "image")}}
    if kind == "document":
        file: dict[str, Any] = {"file_data": _source_url(block, "document")}
        if isinstance(block.get("title"), str):
            file["filename"] = block["title"]
        return {"type": "file", "file": file}
    raise InvalidRequest(f"content block type '{kind}' is not supported by the gateway", param="messages")


def _text(block: dict[str, Any]) -> str:
    text = block.get("text")
    if not isinstance(text, str):
        raise InvalidRequest("a text block needs a string 'text'", param="messages")
    return text


def _source_url(block: dict[str, Any], kind: str) -> str:
    source = block.get("source")
    if not isinstance(source, dict):
        raise InvalidRequest(f"an {kind} block needs a 'source' object", param="messages")
    source_type = source.get("type")
    if source_type == "base64" and isinstance(source.get("data"), str):
        return f"data:{source.get('media_type', 'application/octet-stream')}{_DATA_URL_MARK}{source['data']}"
    if source_type == "url" and isinstance(source.get("url"), str) and kind == "image":
        return str(source["url"])
    raise InvalidRequest(f"{kind} source type '{source_type}' is not supported by the gateway", param="messages")


def part_from_hub(part: object) -> dict[str, Any]:
    """An Anthropic content block for a hub text, image_url or file part."""
    if isinstance(part, str):
        return {"type": "text", "text": part}
    if not isinstance(part, dict):
        raise InvalidRequest("a content part must be an object", param="messages")
    kind = part.get("type")
    if kind == "text":
        return {"type": "text", "text": str(part.get("text", ""))}
    if kind == "image_url":
        return _image_from_hub(part.get("image_url"))
    if kind == "file":
        return _document_from_hub(part.get("file"))
    raise InvalidRequest(f"content part type '{kind}' cannot be sent to an Anthropic model", param="messages")


def _split_data_url(url: str) -> tuple[str, str] | None:
    """(media type, base64 data) of a `data:` URL, or None when it is not a base64 one."""
    if not url.startswith("data:") or _DATA_URL_MARK not in url:
        return None
    head, data = url[len("data:") :].split(_DATA_URL_MARK, 1)
    return head.split(";", 1)[0], data


def _image_from_hub(image_url: object) -> dict[str, Any]:
    url = image_url.get("url") if isinstance(image_url, dict) else image_url
    if not isinstance(url, str):
        raise InvalidRequest("an image_url part needs a url", param="messages")
    split = _split_data_url(url)
    if split:
        return {"type": "image", "source": {"type": "base64", "media_type": split[0], "data": split[1]}}
    if url.startswith(("http://", "https://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    raise InvalidRequest("an image must be a base64 data: URL or an http(s) URL", param="messages")


def _document_from_hub(file: object) -> dict[str, Any]:
    data_url = file.get("file_data") if isinstance(file, dict) else None
    split = _split_data_url(data_url) if isinstance(data_url, str) else None
    if not isinstance(file, dict) or split is None:
        raise InvalidRequest("a file part must carry file_data as a base64 data: URL", param="messages")
    if split[0] != "application/pdf":
        raise InvalidRequest(f"file type '{split[0]}' cannot be sent to an Anthropic model", param="messages")
    block: dict[str, Any] = {
        "type": "document",
        "source": {"type": "base64", "media_type": split[0], "data": split[1]},
    }
    if isinstance(file.get("filename"), str):
        block["title"] = file["filename"]
    return block
