"""One literal table: wire format → codec. A format missing here cannot be routed to yet, and a
request that needs it fails with a clear reason naming the format."""

from __future__ import annotations

from typing import Any

from omniroute_agent.formats import Format
from omniroute_agent.translate.anthropic import errors as an_errors
from omniroute_agent.translate.anthropic import request as an_request
from omniroute_agent.translate.anthropic import response as an_response
from omniroute_agent.translate.anthropic import stream as an_stream
from omniroute_agent.translate.base import Codec
from omniroute_agent.translate.framing import (
    FrameWriter,
    Framing,
    JSONArrayWriter,
    NDJSONWriter,
    SSEWriter,
)
from omniroute_agent.translate.gemini import errors as gm_errors
from omniroute_agent.translate.gemini import request as gm_request
from omniroute_agent.translate.gemini import response as gm_response
from omniroute_agent.translate.gemini import stream as gm_stream
from omniroute_agent.translate.ollama import errors as ol_errors
from omniroute_agent.translate.ollama import request as ol_request
from omniroute_agent.translate.ollama import response as ol_response
from omniroute_agent.translate.ollama import stream as ol_stream
from omniroute_agent.translate.openai_chat import errors as oa_errors
from omniroute_agent.translate.openai_chat import request as oa_request
from omniroute_agent.translate.openai_chat import response as oa_response
from omniroute_agent.translate.openai_chat import stream as oa_stream
from omniroute_agent.translate.responses import errors as rs_errors
from omniroute_agent.translate.responses import request as rs_request
from omniroute_agent.translate.responses import response as rs_response
from omniroute_agent.translate.responses import stream as rs_stream

CODECS: dict[Format, Codec] = {
    "openai": Codec(
        request_to_hub=oa_request.to_hub,
        request_from_hub=oa_request.from_hub,
        response_to_hub=oa_response.to_hub,
        response_from_hub=oa_response.from_hub,
        decoder=oa_stream.Decoder,
        encoder=oa_stream.Encoder,
        error_body=oa_errors.error_body,
        parse_error=oa_errors.parse_error,
        framing="sse",
    ),
    "anthropic": Codec(
        request_to_hub=an_request.to_hub,
        request_from_hub=an_request.from_hub,
        response_to_hub=an_response.to_hub,
        response_from_hub=an_response.from_hub,
        decoder=an_stream.Decoder,
        encoder=an_stream.Encoder,
        error_body=an_errors.error_body,
        parse_error=an_errors.parse_error,
        framing="sse",
        stream_media_type="text/event-stream",
    ),
    "gemini": Codec(
        request_to_hub=gm_request.to_hub,
        request_from_hub=gm_request.from_hub,
        response_to_hub=gm_response.to_hub,
        response_from_hub=gm_response.from_hub,
        decoder=gm_stream.Decoder,
        encoder=gm_stream.Encoder,
        error_body=gm_errors.error_body,
        parse_error=gm_errors.parse_error,
        framing="sse",
        stream_media_type="text/event-stream",
    ),
    "responses": Codec(
        request_to_hub=rs_request.to_hub,
        request_from_hub=rs_request.from_hub,
        response_to_hub=rs_response.to_hub,
        response_from_hub=rs_response.from_hub,
        decoder=rs_stream.Decoder,
        encoder=rs_stream.Encoder,
        error_body=rs_errors.error_body,
        parse_error=rs_errors.parse_error,
        framing="sse",
        stream_media_type="text/event-stream",
    ),
    "ollama": Codec(
        request_to_hub=ol_request.to_hub,
        request_from_hub=ol_request.from_hub,
        response_to_hub=ol_response.to_hub,
        response_from_hub=ol_response.from_hub,
        decoder=ol_stream.Decoder,
        encoder=ol_stream.Encoder,
        error_body=ol_errors.error_body,
        parse_error=ol_errors.parse_error,
        framing="ndjson",
        stream_media_type="application/x-ndjson",
    ),
}


def writer(fmt: Format, framing: Framing) -> FrameWriter:
    """How the gateway writes a stream to a client of `fmt` (Gemini picks SSE or a JSON array)."""
    if framing == "ndjson":
        return NDJSONWriter()
    if framing == "json-array":
        return JSONArrayWriter()
    if fmt == "gemini":
        return SSEWriter(with_event_names=False, line_end="\r\n")
    return SSEWriter(with_event_names=fmt in ("anthropic", "responses"))


def passthrough_body(fmt: Format, body: dict[str, Any], model: str, *, stream: bool) -> dict[str, Any]:
    """The same-format lane's upstream body: the client's own body, unknown fields and all, with
    only the target model (Gemini names it in the URL) and the stream flag set."""
    if fmt == "gemini":
        return body
    out = {**body, "model": model, "stream": stream}
    if fmt == "openai":
        if stream:
            out["stream_options"] = {**(body.get("stream_options") or {}), "include_usage": True}
        else:
            out.pop("stream_options", None)
    return out
