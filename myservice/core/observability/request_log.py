"""The request log: one line per request, written when it is answered.

The line names the request's id, method, URL rule, status, duration and client (through
TRUSTED_PROXIES), and for a protected route the token's subject and scopes, never the token.

This is the hottest line the service writes, so it does not go through structlog's processor
chain: the line is built as a dict and rendered once, as JSON by orjson or, for people, by the
same console renderer as every other line. Under `make serve` a worker's lines go out together
at most FLUSH_DELAY seconds after the first of them (one write to a pipe costs about as much as
building the line), and at the end of the drain; elsewhere each line is written at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TextIO, TypeVar

import orjson
import structlog
from quart import Quart, Request
from structlog.typing import Processor

from ..http.client_address import client_address, networks
from ..http.request import JSONRequest
from .timestamps import UTCTimestamper

EXTENSION_KEY = __name__
QUIET_ATTRIBUTE = "log_requests_at_debug"
FLUSH_DELAY = 0.01

View = TypeVar("View", bound=Callable[..., object])


def quiet(view: View) -> View:
    """Log the requests this view answers at DEBUG rather than INFO (health probes, scrapes)."""
    setattr(view, QUIET_ATTRIBUTE, True)
    return view


def write_in_batches(app: Quart) -> RequestLog:
    """From now on, write the lines of each FLUSH_DELAY together, from the running event loop.

    Returns the log, whose flush() the caller runs once the loop is done.
    """
    log: RequestLog = app.extensions[EXTENSION_KEY]
    log.loop = asyncio.get_running_loop()
    return log


class RequestLog:
    """The line each request gets: method, URL rule, status, duration and client."""

    def __init__(self, app: Quart, level: str, renderer: Processor | None, stream: TextIO) -> None:
        """Lines at `level` and above go to `stream`, as JSON or through `renderer`."""
        self._views = app.view_functions
        self._trusted = networks(app.config["TRUSTED_PROXIES"])
        self._traced: bool = app.config["TRACING"]
        self._threshold: int = logging.getLevelName(level)
        self._render = _as_json if renderer is None else _by(renderer)
        self._stream = stream
        self._clock = UTCTimestamper()
        self._pending: list[str] = []
        self.loop: asyncio.AbstractEventLoop | None = None

    def write(  # noqa: PLR0913, PLR0917 (the line's fields, each computed once by the caller)
        self,
        request: JSONRequest | Request,
        request_id: str,
        method: str,
        route: str,
        status: int,
        seconds: float,
    ) -> None:
        """Write the request's line; at DEBUG for the views marked @quiet, else at INFO."""
        view = self._views.get(request.endpoint or "")
        # vars() rather than getattr(view, ..., False), which raises and catches inside when absent.
        if view is not None and QUIET_ATTRIBUTE in vars(view):
            if self._threshold > logging.DEBUG:
                return
            level = "debug"
        elif self._threshold > logging.INFO:
            return
        else:
            level = "info"
        client = request.remote_addr
        if self._trusted:
            forwarded = request.headers.get("X-Forwarded-For")
            client = client_address(client, forwarded, self._trusted)
        event: dict[str, object] = {
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": client,
        }
        caller = getattr(request, "caller", None)
        if caller is not None:
            event["subject"] = caller.subject
            event["scopes"] = sorted(caller.scopes)
        if self._traced:
            # The request's span's ids, bound by tracing.py.
            event.update(structlog.contextvars.get_contextvars())
        self._add(level, event)

    def write_shed(self, request_id: str, method: str, client: str | None) -> None:
        """Write the line of a request refused at MAX_IN_FLIGHT, before it had a route."""
        if self._threshold <= logging.WARNING:
            event: dict[str, object] = {
                "request_id": request_id,
                "method": method,
                "route": None,
                "status": 503,
                "duration_ms": 0.0,
                "client": client,
                "reason": "MAX_IN_FLIGHT",
            }
            self._add("warning", event)

    def _add(self, level: str, event: dict[str, object]) -> None:
        event["event"] = "request"
        event["level"] = level
        event["timestamp"] = self._clock.now()
        line = self._render(level, event)
        if self.loop is None:
            self._stream.write(line + "\n")
            self._stream.flush()
            return
        if not self._pending:
            self.loop.call_later(FLUSH_DELAY, self.flush)
        self._pending.append(line)

    def flush(self) -> None:
        """Write the lines waiting, in one call, so that no other worker's can come between."""
        if self._pending:
            self._stream.write("\n".join(self._pending) + "\n")
            self._stream.flush()
            self._pending.clear()


def _as_json(_level: str, event: dict[str, object]) -> str:
    return orjson.dumps(event).decode()


def _by(renderer: Processor) -> Callable[[str, dict[str, object]], str]:
    def render(level: str, event: dict[str, object]) -> str:
        return str(renderer(None, level, event))

    return render
