"""The Gemini codec entry as registry.py will hold it: every slot filled, framing and media type right."""

from __future__ import annotations

from omniroute_agent.translate.base import StreamContext
from omniroute_agent.translate.gemini import errors, request, response, stream

from ..error_tables import codec_entry


def test_codec_entry() -> None:
    codec = codec_entry(request, response, stream, errors)
    assert codec.decoder().done is False
    assert codec.encoder(StreamContext(id="i", model="m", created=0)).finish() == []
