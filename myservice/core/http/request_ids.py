"""Request ids: every request carries one, echoed in X-Request-ID and named in its log lines.

A client's own id is kept when it is short and safe to log; anything else is replaced, so that no
client can forge log lines or blow up their size through this header.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, ASGISendEvent, Scope
from quart import Quart
from structlog.typing import EventDict

from .layers import ASGIApp
from .security_headers import add_security_headers

# The header, lowercase as the raw ASGI headers have it.
HEADER = b"x-request-id"
# The messages that open an answer, which carry the request id and the security headers.
HEADED = frozenset({"http.response.start", "websocket.http.response.start", "websocket.accept"})
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestIds:
    """The layer that gives each request and WebSocket its id, and each answer its headers.

    The answer carries the id (X-Request-ID) and the security headers (security_headers.py),
    whoever answers: a layer further in, Quart, or an error page.
    """

    def __init__(self, app: ASGIApp, _service: Quart) -> None:
        self.app = app

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Give the request its id, and pass it on with a `send` that adds the headers."""
        # Set before Quart starts the tasks that answer the request: they inherit it.
        extra = (HEADER, assign_request_id(sent_request_id(scope["headers"])).encode("ascii"))  # type: ignore[typeddict-item]

        async def send_with_headers(message: ASGISendEvent) -> None:
            if message["type"] in HEADED:
                headers = [*message.get("headers", ()), extra]  # type: ignore[misc]
                add_security_headers(headers)
                message["headers"] = headers  # type: ignore[typeddict-unknown-key]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def sent_request_id(raw_headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The X-Request-ID header among a request's raw ASGI headers, if it has one.

    Scanning the raw headers is cheaper than Werkzeug's Headers.get() for a missing header,
    which raises and catches an exception inside.
    """
    for name, value in raw_headers:
        if name == HEADER:
            return value.decode("latin-1")
    return None


def assign_request_id(sent: str | None) -> str:
    """Adopt the client's id if it is safe, else make one; this request's log lines carry it."""
    request_id = _adopted(sent)
    # Each request runs in a task of its own, which starts from a copy of its connection's
    # context: nothing a previous request set can be seen here.
    _current.set(request_id)
    return request_id


@contextmanager
def continuing(sent: str | None) -> Iterator[None]:
    """For the block, the request `sent` names (a message's) is the current one, if it is safe.

    A consumer's log lines, and what it publishes, carry the id of the request that caused them.
    """
    token = _current.set(_adopted(sent))
    try:
        yield
    finally:
        _current.reset(token)


def _adopted(sent: str | None) -> str:
    return sent if sent and SAFE_REQUEST_ID.fullmatch(sent) else _new_request_id()


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return _current.get()


def add_request_id(_logger: object, _method: str, event: EventDict) -> EventDict:
    """Structlog processor: name the request being handled, if any, in every line logged."""
    request_id = _current.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


class _RequestIds:
    """Ids unique to this process and unguessable across processes: a random half, a count.

    Cheaper than 16 random bytes a request; a process forked from this one starts its own.
    """

    def __init__(self) -> None:
        self.reseed()

    def reseed(self) -> None:
        self.prefix = secrets.token_hex(8)
        self.count = itertools.count()

    def __call__(self) -> str:
        return f"{self.prefix}{next(self.count):016x}"


_new_request_id = _RequestIds()
os.register_at_fork(after_in_child=_new_request_id.reseed)
