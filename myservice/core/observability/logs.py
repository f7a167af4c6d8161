"""Logs: JSON lines for machines or readable lines for people, every line of the same shape.

structlog renders the service's own lines and, through the root handler, those of the libraries
it uses (Quart's tracebacks, the servers' warnings), so every line has the same shape and the
request id. The request log (request_log.py) writes one line per request.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, TextIO

import orjson
import structlog
from quart import Quart
from structlog.typing import Processor

from ..http.request_ids import add_request_id
from .request_log import EXTENSION_KEY, RequestLog
from .timestamps import UTCTimestamper


def init_app(app: Quart, stream: TextIO | None = None) -> None:
    """Configure logging from the settings and give the app its request log.

    Lines go to `stream`, stdout unless a test says otherwise.
    """
    stream = stream or sys.stdout
    level, log_format = app.config["LOG_LEVEL"], app.config["LOG_FORMAT"]
    renderer = configure_logging(level, log_format, stream)
    json_lines = isinstance(renderer, structlog.processors.JSONRenderer)
    app.extensions[EXTENSION_KEY] = RequestLog(app, level, None if json_lines else renderer, stream)
    # `quart run` has Hypercorn write an access line of its own to the app's logger, a second
    # line for every request (probes included, at INFO): the request log says it all already.
    app.logger.addFilter(_not_an_access_line)


def _not_an_access_line(record: logging.LogRecord) -> bool:
    return not (record.funcName == "access" and "hypercorn" in Path(record.pathname).parts)


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
        add_request_id,
        structlog.processors.add_log_level,
        UTCTimestamper(),
    ]
    structlog.configure(
        processors=[*shared, *exceptions, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.WriteLoggerFactory(stream),
        # Not cached: a logger kept at module level follows a level changed at run time
        # (log_levels.py). The request log, the hot path, does not go through structlog.
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
    _set_libraries_level(level)
    return renderer


def set_level(app: Quart, level: str) -> None:
    """Log at `level` from now on: the service's lines, the libraries' and the request log's."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(level))
    _set_libraries_level(level)
    log: RequestLog = app.extensions[EXTENSION_KEY]
    log.set_level(level)


def _set_libraries_level(level: str) -> None:
    logging.getLogger().setLevel(level)
    # At DEBUG, aiosqlite would log every call it makes on the database's thread.
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLevelName(level)))
    # Alembic says at INFO which of its plugins it set up, each time it loads.
    logging.getLogger("alembic.runtime.plugins").setLevel(
        max(logging.WARNING, logging.getLevelName(level))
    )


class _StructlogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler this module installs, told apart so that reconfiguring replaces it."""


def _json(event: dict[str, Any], **options: Any) -> str:
    """Render with orjson: several times faster than the json module, and the log is hot."""
    return orjson.dumps(event, **options).decode()
