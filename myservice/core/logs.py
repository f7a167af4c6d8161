"""Logs: one structured line per request, as JSON lines for machines or readable lines for people.

structlog renders the service's own lines and, through the root handler, those of the libraries
it uses (Quart's tracebacks, Hypercorn), so every line has the same shape and the request id.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

import orjson
import structlog
from quart import Quart, Request
from structlog.typing import EventDict, Processor

EXTENSION_KEY = __name__
QUIET_ATTRIBUTE = "log_requests_at_debug"

View = TypeVar("View", bound=Callable[..., object])


def init_app(app: Quart, stream: TextIO | None = None) -> None:
    """Configure logging from the settings and give the app its request log.

    Lines go to `stream`, stdout unless a test says otherwise.
    """
    stream = stream or sys.stdout
    level, log_format = app.config["LOG_LEVEL"], app.config["LOG_FORMAT"]
    renderer = configure_logging(level, log_format, stream)
    app.extensions[EXTENSION_KEY] = RequestLog(app, level, renderer, stream)


class RequestLog:
    """The one line each request gets: method, URL rule, status, duration and client."""

    def __init__(self, app: Quart, level: str, renderer: Processor, stream: TextIO) -> None:
        self._views = app.view_functions
        # The request log is the hottest logger: it gets a chain of its own, without the context
        # merge (it names the request id itself), and is built once rather than on first use.
        # WriteLogger writes each line in one call, so that the lines of several workers sharing
        # stdout cannot interleave; PrintLogger writes the newline separately.
        self._logger = structlog.wrap_logger(
            structlog.WriteLogger(stream),
            processors=[structlog.processors.add_log_level, UTCTimestamper(), renderer],
            wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        ).bind()

    def write(  # noqa: PLR0913, PLR0917 (the line's fields, each computed once by the caller)
        self,
        request: Request,
        request_id: str,
        method: str,
        route: str,
        status: int,
        seconds: float,
    ) -> None:
        """Write the request's line; at DEBUG for the views marked @quiet, else at INFO."""
        view = self._views.get(request.endpoint or "")
        # vars() rather than getattr(view, ..., False), which raises and catches inside when absent.
        quiet_view = view is not None and QUIET_ATTRIBUTE in vars(view)
        log = self._logger.debug if quiet_view else self._logger.info
        log(
            "request",
            request_id=request_id,
            method=method,
            route=route,
            status=status,
            duration_ms=round(seconds * 1000, 2),
            client=request.remote_addr,
        )


def configure_logging(level: str, log_format: str, stream: TextIO | None = None) -> Processor:
    """Send structlog's lines and the standard library's records to `stream`, rendered alike.

    `stream` defaults to stdout; `log_format` is json, console, or auto: console on a terminal.
    Returns the renderer, for loggers with a processor chain of their own.
    """
    stream = stream or sys.stdout
    console = log_format == "console" or (log_format == "auto" and stream.isatty())
    renderer: Processor
    if console:
        renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty())
        exceptions: list[Processor] = []
    else:
        renderer = structlog.processors.JSONRenderer(serializer=_json)
        exceptions = [structlog.processors.format_exc_info]
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        UTCTimestamper(),
    ]
    structlog.configure(
        processors=[*shared, *exceptions, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.WriteLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    handler = _StructlogHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *exceptions,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, _StructlogHandler)]
    root.addHandler(handler)
    root.setLevel(level)
    return renderer


def quiet(view: View) -> View:
    """Log the requests this view answers at DEBUG rather than INFO (health probes, scrapes)."""
    setattr(view, QUIET_ATTRIBUTE, True)
    return view


class UTCTimestamper:
    """Add the time in UTC, ISO 8601 to the microsecond, as structlog's TimeStamper would.

    The part down to the second is formatted once per second: on the request log's hot path,
    formatting a datetime each time costs as much as rendering the rest of the line.
    """

    def __init__(self) -> None:
        self._second = -1
        self._formatted = ""

    def __call__(self, _logger: object, _method: str, event: EventDict) -> EventDict:
        """Set event["timestamp"]."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._formatted = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        event["timestamp"] = f"{self._formatted}.{int((now - second) * 1e6):06d}Z"
        return event


class _StructlogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler this module installs, told apart so that reconfiguring replaces it."""


def _json(event: dict[str, Any], **options: Any) -> str:
    """Render with orjson: several times faster than the json module, and the log is hot."""
    return orjson.dumps(event, **options).decode()
