"""gzip answers: those over COMPRESSION_MINIMUM bytes compressed, for clients that accept it.

An answer is compressed when its client accepts gzip (Accept-Encoding, q-values honoured), it is
at least COMPRESSION_MINIMUM bytes, and it is neither an event stream (which must reach the
client event by event) nor already encoded; every answer that could be compressed says
`Vary: Accept-Encoding`, so that a cache keeps the two forms apart. A streamed answer is
compressed as it goes, without Content-Length (chunked).

A compressed answer's strong ETag gets a suffix (conditional.py). Request bodies sent gzipped
are inflated when a view reads them (gzip_bodies.py).
"""

from __future__ import annotations

import zlib
from typing import Any

from hypercorn.typing import (
    ASGIReceiveCallable,
    ASGISendCallable,
    ASGISendEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Scope,
)
from quart import Quart

from .conditional import gzip_tag
from .gzip_bodies import GZIP_WINDOW
from .layers import ASGIApp

LEVEL = 6
EVENT_STREAM = b"text/event-stream"
VARY = (b"vary", b"Accept-Encoding")


def gzip_answers(app: ASGIApp, service: Quart) -> ASGIApp:
    """The layer that compresses answers, or `app` itself when COMPRESSION_MINIMUM is None."""
    minimum: int | None = service.config["COMPRESSION_MINIMUM"]
    return app if minimum is None else GzipAnswers(app, minimum)


class GzipAnswers:
    """Each HTTP answer compressed when it should be: its client accepts gzip, it is large enough."""

    def __init__(self, app: ASGIApp, minimum: int) -> None:
        self.app, self.minimum = app, minimum

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Pass an HTTP request on with a `send` that compresses its answer when it should."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A HEAD answer has no body to compress: it says what GET's would be, as it is.
        gzip = accepts_gzip(scope) and scope["method"] != "HEAD"
        await self.app(scope, receive, compressing(send, self.minimum, gzip))


def accepts_gzip(scope: HTTPScope) -> bool:
    """Whether the client's Accept-Encoding allows gzip (or `*`) with a q-value above 0."""
    for name, value in scope["headers"]:
        if name != b"accept-encoding":
            continue
        for item in value.decode("latin-1").lower().split(","):
            coding, _, parameters = item.partition(";")
            if coding.strip() in {"gzip", "*"} and _quality(parameters) > 0:
                return True
    return False


def compressing(send: ASGISendCallable, minimum: int, gzip: bool) -> ASGISendCallable:
    """A `send` that compresses the answer when it should (`gzip`: the client accepts it).

    The start decides: an answer whose Content-Length is under `minimum` goes as it is; one
    without Content-Length (a stream) is compressed chunk by chunk.
    """
    stream: Any = None

    async def compressed(message: ASGISendEvent) -> None:
        nonlocal stream
        if message["type"] == "http.response.start":
            if not _compressible(message):
                # A 304 has the headers its 200 would have had: that it varies, among them.
                vary = [VARY] if message["status"] == 304 else []
                await send({**message, "headers": [*message["headers"], *vary]})
                return
            headers = [*message["headers"], VARY]
            length = _length(headers)
            if gzip and (length is None or length >= minimum):
                stream = zlib.compressobj(LEVEL, zlib.DEFLATED, GZIP_WINDOW)
                kept = [header for header in headers if header[0] != b"content-length"]
                headers = [
                    (name, gzip_tag(value) if name == b"etag" else value) for name, value in kept
                ]
                headers.append((b"content-encoding", b"gzip"))
            await send({**message, "headers": headers})
            return
        if message["type"] != "http.response.body" or stream is None:
            await send(message)
            return
        more = message.get("more_body", False)
        data = stream.compress(message.get("body", b"")) + (b"" if more else stream.flush())
        await send({"type": "http.response.body", "body": data, "more_body": more})

    return compressed


def _compressible(message: HTTPResponseStartEvent) -> bool:
    status = message["status"]
    if status < 200 or status in {204, 206, 304}:  # 206: a range of the body as it is
        return False
    for name, value in message["headers"]:
        if name == b"content-encoding" or (name == b"content-type" and EVENT_STREAM in value):
            return False
    return True


def _length(headers: list[tuple[bytes, bytes]]) -> int | None:
    lengths = [value for name, value in headers if name == b"content-length" and value.isdigit()]
    return int(lengths[0]) if lengths else None


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
