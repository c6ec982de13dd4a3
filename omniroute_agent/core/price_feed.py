"""The price feed `omniroute_sync_pricing` reads: a JSON list of entries, prices in USD per 1M tokens.

    [
      {"model": "openai/gpt-4o", "input": 2.5, "output": 10.0, "cached_input": 1.25, "context_window": 128000},
      {"model": "deepseek-chat", "input": 0.28, "output": 0.42}
    ]

    model           "provider/model" or a bare model name (required, non-empty)
    input, output   USD per 1M prompt / completion tokens, finite and >= 0 (required)
    cached_input    USD per 1M prompt tokens read from the provider's cache, >= 0 (optional)
    context_window  tokens the model accepts, a positive integer (optional)

Unknown fields are ignored. An entry that breaks these rules, or names a model already listed
earlier in the feed, is skipped with its reason; a document that is not a JSON list is refused
whole. The feed comes from a local file or an http(s) URL (`read_source`), at most MAX_FEED_BYTES.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import aiohttp
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omniroute_agent.errors import InvalidRequest
from omniroute_agent.providers.fetch import fetch_bytes
from omniroute_agent.store.base import PriceRow

MAX_FEED_BYTES = 5 * 1024 * 1024
Usd = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]


class FeedEntry(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    model: Annotated[str, Field(min_length=1, strict=True)]
    input: Usd
    output: Usd
    cached_input: Usd | None = None
    context_window: Annotated[int, Field(gt=0, strict=True)] | None = None


@dataclass(frozen=True, slots=True)
class Skipped:
    model: str
    reason: str


def parse_feed(raw: bytes) -> tuple[list[PriceRow], list[Skipped]]:
    """The feed's valid entries as rows with source "sync", and the entries skipped with why."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequest("the price feed is not valid JSON", param="source") from None
    if not isinstance(document, list):
        raise InvalidRequest("the price feed must be a JSON list of {model, input, output} entries", param="source")
    rows: list[PriceRow] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for n, item in enumerate(document):
        label = _label(item, n)
        if not isinstance(item, dict):
            skipped.append(Skipped(label, "not a JSON object"))
            continue
        try:
            entry = FeedEntry.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            skipped.append(Skipped(label, f"'{where}': {first['msg']}"))
            continue
        if entry.model.lower() in seen:
            skipped.append(Skipped(entry.model, "listed twice in the feed; the first entry counts"))
            continue
        seen.add(entry.model.lower())
        rows.append(
            PriceRow(entry.model, entry.input, entry.output, entry.cached_input, entry.context_window, source="sync")
        )
    return rows, skipped


async def read_source(source: str, session: aiohttp.ClientSession) -> bytes:
    """The feed's bytes from an http(s) URL (through `session`) or a local file path."""
    if source.startswith(("http://", "https://")):
        return await fetch_bytes(session, source, max_bytes=MAX_FEED_BYTES)
    if "://" in source:
        raise InvalidRequest("the price feed source is a local file path or an http(s) URL", param="source")
    return await asyncio.to_thread(_read_file, source)


def _read_file(source: str) -> bytes:
    path = Path(source).expanduser()
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FEED_BYTES + 1)
    except OSError as exc:
        raise InvalidRequest(f"cannot read the price feed {path}: {exc.strerror or exc}", param="source") from None
    if len(raw) > MAX_FEED_BYTES:
        raise InvalidRequest(f"the price feed {path} is larger than {MAX_FEED_BYTES} bytes", param="source")
    return raw


def _label(item: Any, n: int) -> str:
    model = item.get("model") if isinstance(item, dict) else None
    return model.strip() if isinstance(model, str) and model.strip() else f"entry {n}"
