"""One literal table: wire format → codec. A format missing here cannot be routed to yet, and a
request that needs it fails with `UnsupportedFormat` naming the format."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from omniroute_agent.formats import Format
from omniroute_agent.translate.hub import ChatRequest, ChatResponse
from omniroute_agent.translate.openai_chat import request as oa_request
from omniroute_agent.translate.openai_chat import response as oa_response


@dataclass(frozen=True, slots=True)
class Codec:
    request_from_hub: Callable[[ChatRequest, str], dict[str, Any]]
    request_to_hub: Callable[[dict[str, Any]], ChatRequest]
    response_to_hub: Callable[[dict[str, Any]], ChatResponse]
    response_from_hub: Callable[[ChatResponse], dict[str, Any]]


CODECS: dict[Format, Codec] = {
    "openai": Codec(oa_request.from_hub, oa_request.to_hub, oa_response.to_hub, oa_response.from_hub),
}
