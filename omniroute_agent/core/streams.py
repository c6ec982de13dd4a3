"""A stream once an upstream answered 200: the lane that carries it to the client, and usage.

    openai → openai     the passthrough tap: bytes re-framed, usage read from its one chunk
    same format         frames re-framed as they are; the format's decoder only watches them
    any → other         upstream frames → decoder → hub chunks → the client's encoder → frames

Fallback is over by now (it ends when the first byte reaches the client). A failure after this
point ends the client's stream with its format's error event; usage seen so far is recorded.
A stream that ends without its format's terminal frame was cut, and is reported as such.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from omniroute_agent.core.replay import ReplayCache, StreamRecorder
from omniroute_agent.core.usage import UsageRecorder
from omniroute_agent.errors import Attempt, GatewayError, UpstreamError
from omniroute_agent.formats import Format
from omniroute_agent.providers.executor import UpstreamStream
from omniroute_agent.store.base import UsageRow
from omniroute_agent.translate.base import Codec, Decoder, Encoder, StreamContext
from omniroute_agent.translate.framing import Frame, FrameReader, FrameWriter, Framing, SSEReader, reader
from omniroute_agent.translate.hub import Chunk, Usage, empty_usage, read_usage
from omniroute_agent.translate.openai_chat.stream import PassthroughTap
from omniroute_agent.translate.registry import CODECS, writer

_CUT = "stream_interrupted"
CLIENT_GONE = "the client closed the stream before its end"
log = logging.getLogger("omniroute.stream")


@dataclass(slots=True)
class StreamPlan:
    """Where the stream comes from and where it goes."""

    upstream_format: Format
    client_format: Format
    client_framing: Framing
    context: StreamContext


class ChatStream:
    """Iterate `events()` for the client's bytes; usage is recorded when the iteration ends,
    however it ends (done, upstream cut, client gone)."""

    def __init__(
        self,
        recorder: UsageRecorder,
        upstream: UpstreamStream,
        plan: StreamPlan,
        *,
        target: str,
        connection_id: str,
        attempts: list[Attempt],
        finish_row: Callable[[int, Usage, str | None], UsageRow],
        replay: ReplayCache,
    ) -> None:
        self._recorder = recorder
        self._upstream = upstream
        self._plan = plan
        self._finish_row = finish_row
        self._replay = replay
        self.target = target
        self.connection_id = connection_id
        self.attempts = attempts
        self.usage: Usage = empty_usage()
        client: Codec = CODECS[plan.client_format]
        self.media_type = "application/json" if plan.client_framing == "json-array" else client.stream_media_type

    async def events(self) -> AsyncIterator[bytes]:
        plan = self._plan
        recorder = StreamRecorder(plan.upstream_format)
        if plan.upstream_format == plan.client_format == "openai":
            lane: _Lane = _OpenAIPassthrough(plan)
        elif plan.upstream_format == plan.client_format:
            lane = _FramePassthrough(plan, recorder.observe)
        else:
            lane = _Translation(plan, recorder.observe)
        error: str | None = None
        status = 200
        try:
            if head := lane.start():
                yield head
            async for chunk in self._upstream.chunks():
                if out := lane.feed(chunk):
                    yield out
            out, error = lane.finish()
            if out:
                yield out
        except UpstreamError as exc:
            error, status = exc.message, 502
            yield lane.fail(UpstreamError(f"upstream stream broke: {exc.message}", status=502, code=_CUT))
        except (asyncio.CancelledError, GeneratorExit):
            # The client went away: the upstream call ends here (closed below), recorded as nginx
            # records it, 499, with the usage seen so far.
            error, status = CLIENT_GONE, 499
            raise
        except Exception as exc:  # a translation bug must still end the client's stream in its format
            log.exception("stream from %s failed in translation", self.target)
            error, status = f"translation failed: {exc.__class__.__name__}", 502
            yield lane.fail(GatewayError(error))
        finally:
            self._upstream.close()
            recorder.store(self._replay)
            self.usage = lane.usage
            if error is not None and status == 200:
                status = 502  # the lane's finish() reported the stream ending badly
            row = self._finish_row(status, lane.usage, error)
            await self._recorder.record(row)


class _Lane(Protocol):
    usage: Usage

    def start(self) -> bytes: ...

    def feed(self, chunk: bytes) -> bytes: ...

    def finish(self) -> tuple[bytes, str | None]:
        """The last bytes, and the error that ended the stream if it did not end well."""
        ...

    def fail(self, exc: GatewayError) -> bytes: ...


class _OpenAIPassthrough:
    def __init__(self, plan: StreamPlan) -> None:
        self._tap = PassthroughTap(include_usage=plan.context.include_usage)
        self._encoder = CODECS["openai"].encoder(plan.context)
        self._writer = writer("openai", "sse")
        self.usage = empty_usage()

    def start(self) -> bytes:
        return b""

    def feed(self, chunk: bytes) -> bytes:
        out = self._tap.feed(chunk)
        self.usage = self._tap.usage
        return out

    def finish(self) -> tuple[bytes, str | None]:
        tail = self._tap.finish()
        self.usage = self._tap.usage
        if self._tap.error is not None:
            return tail, str(self._tap.error.get("message", "upstream error in stream"))
        if not self._tap.done:
            return tail + self.fail(UpstreamError("upstream stream ended without [DONE]", status=502, code=_CUT)), (
                "upstream stream ended without its terminal frame"
            )
        return tail, None

    def fail(self, exc: GatewayError) -> bytes:
        return b"".join(self._writer.frame(f) for f in self._encoder.error(exc))


class _FramePassthrough:
    """Same format, not OpenAI: frames go out as they came (re-framed); a decoder watches them
    for usage, errors and the terminal frame."""

    def __init__(self, plan: StreamPlan, observe: Callable[[Chunk], None]) -> None:
        self._observe = observe
        codec = CODECS[plan.upstream_format]
        self._reader: FrameReader = reader(codec.framing)
        self._writer: FrameWriter = writer(plan.client_format, plan.client_framing)
        self._decoder: Decoder = codec.decoder()
        self._encoder: Encoder = CODECS[plan.client_format].encoder(plan.context)
        self.usage = empty_usage()

    def start(self) -> bytes:
        return self._writer.start()

    def feed(self, chunk: bytes) -> bytes:
        return self._pass(self._reader.feed(chunk))

    def finish(self) -> tuple[bytes, str | None]:
        out = self._pass(self._reader.finish())
        for hub in self._decoder.finish():
            self._watch(hub)
        if self._decoder.error is not None:
            return out + self._writer.end(), self._decoder.error.message
        if not self._decoder.done:
            cut = UpstreamError("upstream stream ended without its terminal frame", status=502, code=_CUT)
            return out + self.fail(cut), cut.message
        return out + self._writer.end(), None

    def fail(self, exc: GatewayError) -> bytes:
        return b"".join(self._writer.frame(f) for f in self._encoder.error(exc)) + self._writer.end()

    def _pass(self, frames: list[Frame]) -> bytes:
        for frame in frames:
            for hub in self._decoder.feed(frame):
                self._watch(hub)
        return b"".join(self._writer.frame(f) for f in frames)

    def _watch(self, chunk: Chunk) -> None:
        self._observe(chunk)
        if not chunk.get("choices") and chunk.get("usage"):
            self.usage = read_usage(chunk["usage"])


class _Translation:
    def __init__(self, plan: StreamPlan, observe: Callable[[Chunk], None]) -> None:
        self._observe = observe
        upstream = CODECS[plan.upstream_format]
        self._reader: FrameReader = reader(upstream.framing)
        self._decoder: Decoder = upstream.decoder()
        self._encoder: Encoder = CODECS[plan.client_format].encoder(plan.context)
        self._writer: FrameWriter = writer(plan.client_format, plan.client_framing)
        self.usage = empty_usage()

    def start(self) -> bytes:
        return self._writer.start()

    def feed(self, chunk: bytes) -> bytes:
        return self._translate(self._reader.feed(chunk))

    def finish(self) -> tuple[bytes, str | None]:
        out = self._translate(self._reader.finish())
        out += self._encode(self._decoder.finish())
        if self._decoder.error is not None:
            return out + self.fail(self._decoder.error), self._decoder.error.message
        if not self._decoder.done:
            cut = UpstreamError("upstream stream ended without its terminal frame", status=502, code=_CUT)
            return out + self.fail(cut), cut.message
        return out + b"".join(self._writer.frame(f) for f in self._encoder.finish()) + self._writer.end(), None

    def fail(self, exc: GatewayError) -> bytes:
        return b"".join(self._writer.frame(f) for f in self._encoder.error(exc)) + self._writer.end()

    def _translate(self, frames: list[Frame]) -> bytes:
        chunks: list[Chunk] = []
        for frame in frames:
            chunks.extend(self._decoder.feed(frame))
        return self._encode(chunks)

    def _encode(self, chunks: list[Chunk]) -> bytes:
        out: list[bytes] = []
        for chunk in chunks:
            self._observe(chunk)
            if not chunk.get("choices") and chunk.get("usage"):
                self.usage = read_usage(chunk["usage"])
            out.extend(self._writer.frame(f) for f in self._encoder.feed(chunk))
        return b"".join(out)


def stream_context(request_id: str, model: str, include_usage: bool) -> StreamContext:
    return StreamContext(id=request_id, model=model, created=int(time.time()), include_usage=include_usage)


async def text_deltas(stream: ChatStream) -> AsyncIterator[str]:
    """The answer's text, piece by piece, from a stream opened for an OpenAI-format client; an
    upstream failure after the first byte raises `UpstreamError` (the stream's own error event)."""
    reader = SSEReader()
    decoder = CODECS["openai"].decoder()
    async for chunk in stream.events():
        for frame in reader.feed(chunk):
            for hub in decoder.feed(frame):
                for choice in hub.get("choices") or []:
                    if text := (choice.get("delta") or {}).get("content"):
                        yield text
            if decoder.error is not None:
                raise decoder.error
