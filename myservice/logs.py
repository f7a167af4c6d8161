"""Logs: one structured line per request, as JSON lines for machines or readable lines for people.

structlog renders the service's own lines and, through the root handler, those of the libraries
it uses (Quart's tracebacks, Hypercorn), so every line has the same shape and the request id.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO, TypeVar

import structlog
from quart import Quart, Response, current_app, g, request
from structlog.typing import Processor

from myservice.routing import method_of, route_of

QUIET_ATTRIBUTE = "log_requests_at_debug"

View = TypeVar("View", bound=Callable[..., object])

access_log = structlog.get_logger("myservice.access")


def init_app(app: Quart) -> None:
    """Configure logging from the settings and log each request once, when it is answered."""
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])
    app.before_request(_start_clock)
    app.after_request(_log_request)


def configure_logging(level: str, log_format: str, stream: TextIO | None = None) -> None:
    """Send structlog's lines and the standard library's records to `stream`, rendered alike.

    `log_format` is json, console, or auto: console when the stream is a terminal.
    """
    stream = stream or sys.stdout
    console = log_format == "console" or (log_format == "auto" and stream.isatty())
    renderer: Processor
    if console:
        renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty())
        exceptions: list[Processor] = []
    else:
        renderer = structlog.processors.JSONRenderer()
        exceptions = [structlog.processors.format_exc_info]
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, *exceptions, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(stream),
        # Cached loggers would keep their processors and defeat structlog.testing.capture_logs.
        cache_logger_on_first_use=False,
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


def quiet(view: View) -> View:
    """Log the requests this view answers at DEBUG rather than INFO (health probes, scrapes)."""
    setattr(view, QUIET_ATTRIBUTE, True)
    return view


class _StructlogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler this module installs, told apart so that reconfiguring replaces it."""


async def _start_clock() -> None:
    g.log_started = time.perf_counter()


async def _log_request(response: Response) -> Response:
    view = current_app.view_functions.get(request.endpoint or "")
    log = access_log.debug if getattr(view, QUIET_ATTRIBUTE, False) else access_log.info
    log(
        "request",
        method=method_of(request),
        route=route_of(request),
        status=response.status_code,
        duration_ms=round((time.perf_counter() - g.log_started) * 1000, 2),
        client=request.remote_addr,
    )
    return response
