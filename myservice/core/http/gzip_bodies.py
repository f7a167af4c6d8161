"""gzip request bodies, inflated only when the view reads them, held to MAX_CONTENT_LENGTH.

A body sent with `Content-Encoding: gzip` is kept as it arrives, compressed, like any other:
until a view reads it, a request holds no more than the client sent, and a request refused
before (no route, no token, over the rate limit) never inflates a byte. Read, it is inflated
within bounds: past MAX_CONTENT_LENGTH once inflated (a zip bomb) it is a 413, found without
inflating more than the limit; broken or truncated gzip, or bytes after its end (trailing
garbage, a second member), a 400; another encoding a 415. Each refusal is the view's
exception, answered as a problem document.
"""

from __future__ import annotations

import zlib
from collections.abc import Generator
from typing import Any

from quart.wrappers.request import Body
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

GZIP_WINDOW = 16 + zlib.MAX_WBITS


class GzipBody(Body):
    """A body received compressed and inflated, within `max_content_length`, when awaited.

    Iterated (`async for`), it gives the inflated data chunk by chunk, with the same bounds.
    """

    def __init__(self, expected_content_length: int | None, max_content_length: int | None) -> None:
        super().__init__(expected_content_length, max_content_length)
        self._inflater = zlib.decompressobj(GZIP_WINDOW)
        self._produced = 0
        self._inflated: bytes | None = None

    def __await__(self) -> Generator[Any, None, Any]:
        if self._inflated is None:
            compressed = yield from super().__await__()
            try:
                inflated = self._inflate(compressed)
                self._finish()
            except (BadRequest, RequestEntityTooLarge) as refusal:
                self._must_raise = refusal  # the same answer, however often it is read
                raise
            self._inflated = inflated
        return self._inflated

    async def __anext__(self) -> bytes:
        try:
            return self._inflate(await super().__anext__())
        except StopAsyncIteration:
            self._finish()
            raise

    def clear(self) -> None:
        """Forget the body, compressed and inflated (a read with cache=False)."""
        super().clear()
        self._inflated = b""

    def _inflate(self, chunk: bytes) -> bytes:
        """`chunk` inflated; RequestEntityTooLarge as soon as the whole passes the limit."""
        limit = self._max_content_length
        room = 0 if limit is None else limit + 1 - self._produced
        try:
            data = self._inflater.decompress(chunk, room)
        except zlib.error:
            raise BadRequest("The body is not valid gzip.") from None
        self._produced += len(data)
        if limit is not None and (self._produced > limit or self._inflater.unconsumed_tail):
            raise RequestEntityTooLarge(
                f"The body is larger than {limit} bytes once decompressed (MAX_CONTENT_LENGTH)."
            )
        if self._inflater.unused_data:
            raise BadRequest("The body goes on after the end of its gzip stream.")
        return data

    def _finish(self) -> None:
        """Refuse a body that ended before its gzip stream did."""
        if not self._inflater.eof:
            raise BadRequest("The body is not valid gzip: its stream ends early.")


class RefusedBody(Body):
    """A body in an encoding the service does not read: a 415 when a view reads it."""

    def __init__(self, expected_content_length: int | None, max_content_length: int | None) -> None:
        super().__init__(expected_content_length, max_content_length)
        # A declared length over the limit is a 413 still, whatever the encoding.
        self._must_raise = self._must_raise or UnsupportedMediaType(
            "Send the body as it is, or compressed with gzip (Content-Encoding: gzip)."
        )


def body_class_for(headers: Headers) -> type[Body] | None:
    """The body class for a request with `headers`; None for a body sent as it is."""
    coding = ",".join(headers.getlist("Content-Encoding")).strip().lower()
    if not coding or coding == "identity":
        return None
    return GzipBody if coding == "gzip" else RefusedBody
