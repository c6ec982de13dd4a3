"""Shared by the spokes' error tests: the error fixtures of a wire directory, the status each was
captured with, and the codec entry a spoke's modules make."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from omniroute_agent.translate.base import Codec
from omniroute_agent.translate.framing import Framing

from .streams import load


def error_fixtures(directory: Path) -> list[str]:
    """The names of the `error-*.json` fixtures in `directory` (their `.meta.json` files aside), sorted."""
    return sorted(p.name for p in directory.glob("error-*.json") if not p.name.endswith(".meta.json"))


def captured_status(fixture: Path) -> int:
    """The HTTP status an error fixture was captured with (from its `.meta.json`)."""
    status: int = load(fixture.with_name(fixture.name.replace(".json", ".meta.json")))["status"]
    return status


def codec_entry(
    request: ModuleType,
    response: ModuleType,
    stream: ModuleType,
    errors: ModuleType,
    framing: Framing = "sse",
    stream_media_type: str = "text/event-stream",
) -> Codec:
    """The registry entry for a spoke, every slot filled from its modules."""
    return Codec(
        request_to_hub=request.to_hub,
        request_from_hub=request.from_hub,
        response_to_hub=response.to_hub,
        response_from_hub=response.from_hub,
        decoder=stream.Decoder,
        encoder=stream.Encoder,
        error_body=errors.error_body,
        parse_error=errors.parse_error,
        framing=framing,
        stream_media_type=stream_media_type,
    )
