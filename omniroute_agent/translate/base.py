"""The contract every wire-format spoke fills (one `Codec` per format, in `registry.CODECS`).

Requests and responses are pure functions. A stream is translated by two small stateful objects,
one per stream, with declared fields, `feed()` and `finish()`, and no I/O:

    Decoder   provider frames → hub chunks       (the upstream side)
    Encoder   hub chunks → client frames         (the client side)

Errors: `error_body` renders a GatewayError as the format's error JSON (with the HTTP status to
send); `stream_error` renders it as the format's in-stream error frames; `parse_error` reads a
provider's error body into a message and code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from omniroute_agent.errors import GatewayError
from omniroute_agent.translate.framing import Frame, Framing
from omniroute_agent.translate.hub import ChatRequest, ChatResponse, Chunk


@dataclass(frozen=True, slots=True)
class Quirks:
    """Provider quirks a request encoder honours; catalog flags, never provider names."""

    developer_as_system: bool = False  # send `developer` messages as `system`
    system_as_user: bool = False  # the provider rejects system messages: fold them into the first user turn
    drop_sampling: bool = False  # the model rejects temperature / top_p / top_k
    send_reasoning_content: bool = False  # replay `reasoning_content` on assistant turns (DeepSeek tools)
    max_tokens_default: int = 4096  # formats that require max_tokens (Anthropic) get this when none is given


@dataclass(slots=True)
class StreamContext:
    """What an encoder needs to know about the stream it writes."""

    id: str
    model: str
    created: int
    include_usage: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class Decoder(Protocol):
    def feed(self, frame: Frame) -> list[Chunk]: ...

    def finish(self) -> list[Chunk]: ...

    @property
    def done(self) -> bool:
        """The provider sent its terminal frame (a stream that ends without it was cut)."""
        ...

    @property
    def error(self) -> GatewayError | None:
        """An error the provider reported inside the stream."""
        ...


class Encoder(Protocol):
    def feed(self, chunk: Chunk) -> list[Frame]: ...

    def finish(self) -> list[Frame]:
        """The format's terminal frames after the last chunk (e.g. `[DONE]`, `message_stop`)."""
        ...

    def error(self, exc: GatewayError) -> list[Frame]:
        """The format's in-stream error frames, ending the stream."""
        ...


@dataclass(frozen=True, slots=True)
class Codec:
    request_to_hub: Callable[[dict[str, Any]], ChatRequest]
    request_from_hub: Callable[[ChatRequest, str, Quirks], dict[str, Any]]
    response_to_hub: Callable[[dict[str, Any]], ChatResponse]
    response_from_hub: Callable[[ChatResponse, str], dict[str, Any]]
    decoder: Callable[[], Decoder]
    encoder: Callable[[StreamContext], Encoder]
    error_body: Callable[[GatewayError], tuple[int, dict[str, Any]]]
    parse_error: Callable[[int, bytes], tuple[str, str]]
    framing: Framing
    stream_media_type: str = "text/event-stream"
