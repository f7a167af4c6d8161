"""Request ids: every request carries one, echoed in X-Request-ID and bound to its log lines.

A client's own id is kept when it is short and safe to log; anything else is replaced, so that no
client can forge log lines or blow up their size through this header.
"""

from __future__ import annotations

import re
import uuid

import structlog
from quart import Quart, Response, g, has_request_context, request

HEADER = "X-Request-ID"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def init_app(app: Quart) -> None:
    """Give each request an id before anything else runs, and echo it on the response."""
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


async def _assign_request_id() -> None:
    sent = request.headers.get(HEADER, "")
    g.request_id = sent if SAFE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=g.request_id)


async def _echo_request_id(response: Response) -> Response:
    response.headers[HEADER] = g.request_id
    return response
