"""The Gemini codec entry as registry.py will hold it: every slot filled, framing and media type right."""

from __future__ import annotations

from omniroute_agent.translate.base import Codec, StreamContext
from omniroute_agent.translate.gemini import errors, request, response, stream


def test_codec_entry() -> None:
    codec = Codec(
        request_to_hub=request.to_hub,
        request_from_hub=request.from_hub,
        response_to_hub=response.to_hub,
        response_from_hub=response.from_hub,
        decoder=stream.Decoder,
        encoder=stream.Encoder,
        error_body=errors.error_body,
        parse_error=errors.parse_error,
        framing="sse",
        stream_media_type="text/event-stream",
    )
    assert codec.decoder().done is False
    assert codec.encoder(StreamContext(id="i", model="m", created=0)).finish() == []
