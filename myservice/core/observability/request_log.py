"""The request log: one line per request, written when it is answered.

The line names the request's id, method, URL rule, status, duration and client (through
TRUSTED_PROXIES), and for a protected route the token's subject and scopes, never the token.

This is the hottest line the service writes, so it does not go through structlog's processor
chain: the line is built as a dict and rendered once, as JSON by orjson or, for people, by the
same console renderer as every other line. Each line is written and flushed at once, so that
none is lost when a worker dies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TextIO, cast

import orjson
import structlog
from quart import Quart, Request
from quart.typing import ResponseTypes
from quart.wrappers.base import BaseRequestWebsocket
from structlog.typing import Processor

from ..http.client_address import client_of, trusted_of
from ..http.layers import Answer
from ..http.readiness import readiness_of
from ..http.request import JSONRequest
from ..http.request_ids import current_request_id
from ..http.routes import View, method_label, route_of
from . import metrics
from .timestamps import UTCTimestamper

EXTENSION_KEY = __name__
# The status of a request that was never answered: nginx's "client closed request".
UNANSWERED = 499
QUIET_ATTRIBUTE = "log_requests_at_debug"


def quiet(view: View) -> View:
    """Log the requests this view answers at DEBUG rather than INFO (health probes, scrapes)."""
    setattr(view, QUIET_ATTRIBUTE, True)
    return view


def measured(answer: Answer, app: Quart) -> Answer:
    """The link that counts and times each request, and writes its line once it is answered."""
    recorder: metrics.RequestMetrics = app.extensions[metrics.EXTENSION_KEY]

    async def measured_answer(request: Request) -> ResponseTypes:
        started = cast(JSONRequest, request).started = time.perf_counter()
        recorder.in_progress.inc()
        try:
            response = await answer(request)
        except asyncio.CancelledError:
            stopping = readiness_of(app).draining
            write_unanswered(app, request, time.perf_counter() - started, stopping)
            raise
        finally:
            recorder.in_progress.dec()
        seconds = time.perf_counter() - started
        method, route = method_label(request.method), route_of(request)
        recorder.observe(method, route, response.status_code, seconds)
        log: RequestLog = app.extensions[EXTENSION_KEY]
        request_id = current_request_id() or ""
        log.write(request, request_id, method, route, response.status_code, seconds)
        return response

    return measured_answer


class RequestLog:
    """The line each request gets: method, URL rule, status, duration and client."""

    def __init__(self, app: Quart, level: str, renderer: Processor | None, stream: TextIO) -> None:
        """Lines at `level` and above go to `stream`, as JSON or through `renderer`."""
        self._views = app.view_functions
        self._trusted = trusted_of(app)
        self._traced: bool = app.config["TRACING"]
        self._threshold: int = logging.getLevelName(level)
        self._render = _as_json if renderer is None else _by(renderer)
        self._stream = stream
        self._clock = UTCTimestamper()

    def set_level(self, level: str) -> None:
        """Write the lines at `level` and above from now on."""
        self._threshold = logging.getLevelName(level)

    def write(  # noqa: PLR0913, PLR0917 (the line's fields, each computed once by the caller)
        self,
        request: BaseRequestWebsocket,
        request_id: str,
        method: str,
        route: str,
        status: int,
        seconds: float,
        kind: str = "request",
        reason: str | None = None,
    ) -> None:
        """Write the request's line; at DEBUG for the views marked @quiet, else at INFO.

        A WebSocket's line is written as it closes, of `kind` "websocket", its status 101
        once accepted, its duration the connection's. `reason` says why a request had no answer.
        """
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
        client = client_of(request, self._trusted)
        event: dict[str, object] = {
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": client,
        }
        if reason is not None:
            event["reason"] = reason
        caller = getattr(request, "caller", None)
        if caller is not None:
            event["subject"] = caller.subject
            event["scopes"] = sorted(caller.scopes)
        if self._traced:
            # The request's span's ids, bound by tracing.py.
            event.update(structlog.contextvars.get_contextvars())
        self._add(level, event, kind)

    def write_refused(
        self,
        request_id: str | None,
        method: str | None,
        client: str | None,
        status: int,
        reason: str,
    ) -> None:
        """Write the line of a request refused before it had a route.

        By MAX_IN_FLIGHT, or by the server itself (a head too large, too slow or unparsable),
        before the request had an id or a method.
        """
        if self._threshold <= logging.WARNING:
            event: dict[str, object] = {
                "request_id": request_id,
                "method": method,
                "route": None,
                "status": status,
                "duration_ms": 0.0,
                "client": client,
                "reason": reason,
            }
            self._add("warning", event)

    def _add(self, level: str, event: dict[str, object], kind: str = "request") -> None:
        event["event"] = kind
        event["level"] = level
        event["timestamp"] = self._clock.now()
        self._stream.write(self._render(level, event) + "\n")
        self._stream.flush()


def write_unanswered(
    app: Quart, request: BaseRequestWebsocket, seconds: float, stopping: bool
) -> None:
    """Count and log a request cancelled before its answer, as 499 (nginx's "client closed").

    Quart cancels it when the client hangs up; the worker, `stopping`, when GRACEFUL_TIMEOUT
    ran out.
    """
    reason = "the worker stopped first" if stopping else "the client closed the connection"
    method, route = method_label(request.method), route_of(request)
    app.extensions[metrics.EXTENSION_KEY].observe(method, route, UNANSWERED, seconds)
    log: RequestLog = app.extensions[EXTENSION_KEY]
    log.write(
        request, current_request_id() or "", method, route, UNANSWERED, seconds, reason=reason
    )


def _as_json(_level: str, event: dict[str, object]) -> str:
    return orjson.dumps(event).decode()


def _by(renderer: Processor) -> Callable[[str, dict[str, object]], str]:
    def render(level: str, event: dict[str, object]) -> str:
        return str(renderer(None, level, event))

    return render
