"""gzip both ways: answers over COMPRESSION_MINIMUM bytes compressed, gzip bodies accepted.

An answer is compressed when its client accepts gzip (Accept-Encoding, q-values honoured), it is
at least COMPRESSION_MINIMUM bytes, and it is neither an event stream (which must reach the
client event by event) nor already encoded; every answer that could be compressed says
`Vary: Accept-Encoding`, so that a cache keeps the two forms apart. A streamed answer is
compressed as it goes, without Content-Length (chunked).

A request body sent with `Content-Encoding: gzip` is decompressed before the app sees it, and
held to MAX_CONTENT_LENGTH once decompressed: a small body that inflates past it (a zip bomb) is
a 413, found without inflating more than the limit; another encoding is a 415. A compressed
answer's strong ETag gets a suffix (conditional.py).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Mapping
from typing import Any

from hypercorn.typing import (
    ASGIReceiveCallable,
    ASGISendCallable,
    ASGISendEvent,
    HTTPResponseStartEvent,
    HTTPScope,
)

from .conditional import gzip_tag
from .raw_answers import send_problem

GZIP_WINDOW = 16 + zlib.MAX_WBITS
LEVEL = 6
EVENT_STREAM = b"text/event-stream"
VARY = (b"vary", b"Accept-Encoding")


async def gzip_both_ways(
    config: Mapping[str, Any],
    scope: HTTPScope,
    receive: ASGIReceiveCallable,
    send: ASGISendCallable,
) -> tuple[HTTPScope, ASGIReceiveCallable, ASGISendCallable] | None:
    """The request's gzip body inflated, its answer compressed; None once a refusal was sent."""
    inflated = await inflating(
        scope, receive, send, config["MAX_CONTENT_LENGTH"], config["BODY_TIMEOUT"]
    )
    if inflated is None:
        return None
    minimum = config["COMPRESSION_MINIMUM"]
    if minimum is not None:
        # A HEAD answer has no body to compress: it says what GET's would be, as it is.
        send = compressing(send, minimum, accepts_gzip(scope) and scope["method"] != "HEAD")
    return (*inflated, send)


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


async def inflating(
    scope: HTTPScope,
    receive: ASGIReceiveCallable,
    send: ASGISendCallable,
    limit: int,
    seconds: float,
) -> tuple[HTTPScope, ASGIReceiveCallable] | None:
    """The scope and `receive` with a gzip body inflated; None once it answered a refusal."""
    encodings = [value for name, value in scope["headers"] if name == b"content-encoding"]
    coding = b",".join(encodings).strip().lower()
    if not coding or coding == b"identity":
        return scope, receive
    if coding != b"gzip":
        detail = "Send the body as it is, or compressed with gzip (Content-Encoding: gzip)."
        await send_problem(scope, send, 415, detail)
        return None
    try:
        async with asyncio.timeout(seconds):
            body = await _inflated(receive, limit)
    except TimeoutError:
        await send_problem(scope, send, 408, f"The body did not arrive within {seconds:g} s.")
        return None
    except zlib.error:
        await send_problem(scope, send, 400, "The body is not valid gzip.")
        return None
    if body is None:
        detail = f"The body is larger than {limit} bytes once decompressed (MAX_CONTENT_LENGTH)."
        await send_problem(scope, send, 413, detail)
        return None
    headers = [h for h in scope["headers"] if h[0] not in {b"content-encoding", b"content-length"}]
    inflated: HTTPScope = {**scope, "headers": [*headers, (b"content-length", b"%d" % len(body))]}
    return inflated, _replaying(body, receive)


async def _inflated(receive: ASGIReceiveCallable, limit: int) -> bytes | None:
    """The whole body, inflated; None as soon as it passes `limit` bytes, either way."""
    inflater = zlib.decompressobj(GZIP_WINDOW)
    received = produced = 0
    parts: list[bytes] = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b""  # the client left; the app will see it go
        chunk, more = message.get("body", b""), message.get("more_body", False)
        received += len(chunk)
        data = inflater.decompress(chunk, limit + 1 - produced)
        produced += len(data)
        if received > limit or produced > limit or inflater.unconsumed_tail:
            return None
        parts.append(data)
    if not inflater.eof:
        raise zlib.error("the gzip stream ends early")
    return b"".join(parts)


def _replaying(body: bytes, receive: ASGIReceiveCallable) -> ASGIReceiveCallable:
    """A `receive` that gives `body` once, then what the server sends next (the disconnect)."""
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


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
