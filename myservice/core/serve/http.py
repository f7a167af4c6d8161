"""uvicorn's httptools protocol with a bound on the request head: its line and headers.

httptools, unlike h11, accepts a head of any size: one client could make a worker hold megabytes
of headers. This protocol counts the bytes of each head as they arrive, before they are parsed,
and answers a head larger than MAX_HEADER_SIZE with a 431 problem, then closes the connection.
"""

from __future__ import annotations

from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..http.problems import problem_body

HEAD_END = b"\r\n\r\n"
PROBLEM = problem_body(431, "The request line and headers are larger than the server accepts.")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that refuses a request head over config.h11_max_incomplete_event_size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit: int = self.config.h11_max_incomplete_event_size or 0
        # Bytes of the current request's head received so far, and the last bytes of the
        # previous chunk, where a head's end may have begun; None once the head is complete.
        self._head_size: int | None = 0
        self._tail = b""

    def data_received(self, data: bytes) -> None:
        """Count the head's bytes; past the limit answer 431, else parse as uvicorn does."""
        if self._head_size is not None:
            end = (self._tail + data).find(HEAD_END)
            head = len(data) if end < 0 else end + len(HEAD_END) - len(self._tail)
            self._head_size += head
            if self._limit and self._head_size > self._limit:
                self._refuse_head()
                return
            self._tail = data[-3:] if end < 0 else b""
            if end >= 0:
                self._head_size = None
        super().data_received(data)

    def on_message_complete(self) -> None:
        """The next request on this connection starts with a head of its own."""
        super().on_message_complete()
        self._head_size, self._tail = 0, b""

    def _refuse_head(self) -> None:
        body = orjson.dumps(PROBLEM)
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/problem+json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
