"""Request ids: every request carries one, echoed in X-Request-ID and bound to its log lines.

A client's own id is kept when it is short and safe to log; anything else is replaced, so that no
client can forge log lines or blow up their size through this header.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from contextvars import ContextVar

import structlog

HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def sent_request_id(raw_headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The X-Request-ID header among a request's raw ASGI headers, if it has one.

    Scanning the raw headers is cheaper than Werkzeug's Headers.get() for a missing header,
    which raises and catches an exception inside.
    """
    for name, value in raw_headers:
        if name == b"x-request-id":
            return value.decode("latin-1")
    return None


def assign_request_id(sent: str | None) -> str:
    """Adopt the client's id if it is safe, else make one, and bind it to this request's logs."""
    request_id = sent if sent and SAFE_REQUEST_ID.fullmatch(sent) else secrets.token_hex(16)
    _current.set(request_id)
    # No clear_contextvars() first: each request runs in a task of its own, which starts from a
    # copy of its connection's context, so nothing a previous request bound can be there.
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return request_id


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return _current.get()
