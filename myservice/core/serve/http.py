"""uvicorn's httptools protocol with bounds on the request head: its size, and its time.

httptools, unlike h11, accepts a head of any size: one client could make a worker hold megabytes
of headers. This protocol counts the bytes of each head as they arrive, before they are parsed,
and answers a head larger than MAX_HEADER_SIZE with a 431 problem, then closes the connection.

uvicorn times nothing before a request's head is complete: a connection that sends nothing, or
a header line now and then, is held for ever, never reaching the app. Here each head must arrive
whole within HEADER_TIMEOUT seconds, a total deadline that no byte resets: from the connection's
start, from the first byte after a keep-alive pause (the pause itself is KEEP_ALIVE_TIMEOUT's),
or from an answer sent before its request's body ended, whose rest then counts against it too.
Past it the connection is closed: with a 408 problem if part of a head had come.

uvicorn's own answer to a request it cannot parse is a problem document too. Each refusal is
counted (http_connections_refused) and logged, as the app counts and logs the requests it sheds.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import orjson
from quart import Quart
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ..http.problems import PROBLEM_CONTENT_TYPE, problem_body, title_of
from ..observability import metrics, request_log

HEAD_END = b"\r\n\r\n"


class ServerRefusals:
    """What the server refused before the app saw a request: counted and logged."""

    def __init__(self, app: Quart) -> None:
        """Count in the app's metrics and write to its request log."""
        self._counter = app.extensions[metrics.EXTENSION_KEY].refused_by_server
        self._log: request_log.RequestLog = app.extensions[request_log.EXTENSION_KEY]

    def record(self, status: int, reason: str, client: tuple[str, int] | None) -> None:
        """Count the refusal, by status, and write its line."""
        self._counter.labels(str(status)).inc()
        self._log.write_refused(None, None, client[0] if client else None, status, reason)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that bounds each request head in size and time, and answers problems."""

    # Set by protocol_for(): where refusals are recorded, and the head's deadline in seconds.
    refusals: ClassVar[ServerRefusals | None] = None
    header_timeout: ClassVar[float | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit: int = self.config.h11_max_incomplete_event_size or 0
        # Bytes of the current request's head received so far, and the last bytes of the
        # previous chunk, where a head's end may have begun; None once the head is complete.
        self._head_size: int | None = 0
        self._tail = b""
        # When the current head's first byte came, and the timer of its deadline, which is
        # armed only while a head is incomplete: a head that comes whole in one read, as most
        # do, costs no timer.
        self._head_began = 0.0
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """A new connection: its first head is due within HEADER_TIMEOUT."""
        super().connection_made(transport)
        self._head_began = self.loop.time()
        self._start_deadline(self._head_began)

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: nothing is due any more."""
        self._stop_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Count the head's bytes; past the limit answer 431, else parse as uvicorn does."""
        if self._head_size is not None:
            if not self._head_size and self._deadline is None:
                self._head_began = self.loop.time()
            end = (self._tail + data).find(HEAD_END)
            head = len(data) if end < 0 else end + len(HEAD_END) - len(self._tail)
            self._head_size += head
            if self._limit and self._head_size > self._limit:
                self._refuse(
                    431, "The request line and headers are larger than the server accepts."
                )
                return
            self._tail = data[-3:] if end < 0 else b""
            if end >= 0:
                self._head_size = None
            elif self._deadline is None and self._answered():
                self._start_deadline(self._head_began)  # the head goes on past this read
        super().data_received(data)

    def on_headers_complete(self) -> None:
        """The head came in time."""
        self._stop_deadline()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """The next request on this connection starts with a head of its own."""
        super().on_message_complete()
        self._head_size, self._tail = 0, b""

    def on_response_complete(self) -> None:
        """Answered: the rest of a body still coming, or a head begun meanwhile, is due in time."""
        body_unfinished = self.cycle.more_body and not self.pipeline
        super().on_response_complete()
        if self._deadline is not None or self.transport.is_closing():
            return
        if body_unfinished:
            self._start_deadline(self.loop.time())
        elif self._head_size and not self.pipeline:
            self._start_deadline(self._head_began)

    def send_400_response(self, msg: str) -> None:
        """A request the parser cannot read: a 400 problem, counted and logged, then close."""
        self._refuse(400, "The request is not HTTP/1.1 the server can read.")

    def _answered(self) -> bool:
        """Whether no request on this connection is being answered."""
        return self.cycle is None or self.cycle.response_complete

    def _start_deadline(self, began: float) -> None:
        if self.header_timeout is not None:
            self._deadline = self.loop.call_at(began + self.header_timeout, self._head_too_slow)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._head_size:  # part of a head had come: it can still be answered
            self._refuse(
                408, f"The request head did not arrive whole within {self.header_timeout:g} s."
            )
            return
        unsent = "nothing sent" if self._head_size == 0 else "the body of an answered request"
        self._record(408, f"HEADER_TIMEOUT, {unsent}")
        self.transport.close()

    def _refuse(self, status: int, detail: str) -> None:
        """Answer `status` with a problem document and close the connection."""
        self._stop_deadline()
        self._record(status, detail)
        body = orjson.dumps(problem_body(status, detail))
        self.transport.write(
            f"HTTP/1.1 {status} {title_of(status)}\r\n".encode()
            + b"content-type: "
            + PROBLEM_CONTENT_TYPE.encode()
            + b"\r\ncontent-length: "
            + str(len(body)).encode()
            + b"\r\nconnection: close\r\n\r\n"
            + body
        )
        self.transport.close()

    def _record(self, status: int, reason: str) -> None:
        if self.refusals is not None:
            self.refusals.record(status, reason, self.client)


def protocol_for(app: Quart, seconds: float) -> type[BoundedHttpToolsProtocol]:
    """The protocol serving `app`, its refusals in the app's metrics and log; heads due in `seconds`."""

    class ServiceHttpProtocol(BoundedHttpToolsProtocol):
        refusals = ServerRefusals(app)
        header_timeout = seconds

    return ServiceHttpProtocol
