"""The log level of a running service, changed for a while: GET and PUT /log-level.

An incident wants DEBUG lines now, not after a restart. An operator (a token granting
OPERATOR_SCOPE) sets a level for some minutes, after which LOG_LEVEL is back by itself. Every
worker of the server takes it up within a second: the change goes to a file in the directory
the supervisor shares with its workers (PROMETHEUS_MULTIPROC_DIR), read every half second.
Each change is logged at WARNING, with who made it. The routes exist only where tokens can be
checked (an identity provider, or the development key allowed), so that they never make a
service refuse to start; they are an operator's, not in the OpenAPI document.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

import structlog
from pydantic import Field
from quart import Blueprint, Quart, current_app, request
from quart_schema import hide

from ..api.validation import validate_request, validate_response
from ..http.access import requires, tokens_checked
from ..http.model import Model
from ..http.request import JSONRequest
from ..serving_tasks import repeat, run_while_serving
from .logs import set_level
from .metrics import MULTIPROCESS_DIRECTORY_VARIABLE

PATH = "/log-level"
STATE_FILE = "log-level.json"
# Seconds between a worker's looks at the shared file: a change reaches every worker in one.
FOLLOW_EVERY = 0.5
EXTENSION_KEY = __name__

Level = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class LevelChange(Model):
    """A level to log at, and for how many minutes (at most a day)."""

    level: Level
    minutes: int = Field(default=15, ge=1, le=24 * 60)


class LogLevel(Model):
    """The level in force, the one the settings give, and when a change ends (UTC)."""

    level: str
    configured: str
    until: str | None


@dataclass
class Change:
    """A level until a time (seconds since the epoch), as the shared file holds it."""

    level: str
    until: float


class LogLevels:
    """The process's level: the configured one, or a change until it ends."""

    def __init__(self, app: Quart, shared: Path | None) -> None:
        """Follow changes written to `shared`, or keep them in this process alone."""
        self._app, self._shared = app, shared
        self.configured: str = app.config["LOG_LEVEL"]
        self._change: Change | None = None
        self._applied = self.configured

    def now(self) -> LogLevel:
        """The level in force now (a change that has ended is undone first)."""
        change = self._current_change()
        if change is None:
            self._apply(self.configured, "log level restored")
            return LogLevel(level=self.configured, configured=self.configured, until=None)
        self._apply(change.level, "log level taken up")  # another worker's, from the file
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(change.until))
        return LogLevel(level=change.level, configured=self.configured, until=until)

    def set(self, level: str, minutes: int, subject: str) -> LogLevel:
        """Log at `level` for `minutes`, in every worker; say so, naming `subject`."""
        change = Change(level, time.time() + minutes * 60)
        if self._shared is not None:
            _write(self._shared, change)
        self._change = change
        said = {"minutes": minutes, "subject": subject}
        if level == self._applied:  # no change of level, but a change of plan: said all the same
            structlog.get_logger(__name__).warning("log level changed", to=level, **said)
        self._apply(level, "log level changed", **said)
        return self.now()

    async def follow(self) -> bool:
        """Take up a change another worker wrote, or the end of one; never more to do at once.

        The file is read whole each time (a few bytes): its time of change can be too coarse
        to tell two changes apart.
        """
        if self._shared is not None and self._shared.exists():
            self._change = _read(self._shared)
        self.now()
        return False

    def _current_change(self) -> Change | None:
        if self._change is not None and time.time() >= self._change.until:
            self._change = None  # ended
        return self._change

    def _apply(self, level: str, event: str, **fields: object) -> None:
        """Log at `level` from now on, and say so at WARNING in a line the change lets through.

        The line goes out under the more talkative of the two levels: before a change to
        ERROR, after the return from it.
        """
        if level == self._applied:
            return
        quieter = logging.getLevelName(level) > logging.getLevelName(self._applied)
        log = structlog.get_logger(__name__)
        if quieter:
            log.warning(event, to=level, **fields)
        self._applied = level
        set_level(self._app, level)
        if not quieter:
            log.warning(event, to=level, **fields)


def init_app(app: Quart) -> None:
    """Serve GET and PUT /log-level where tokens can be checked, and follow the changes."""
    if not tokens_checked(app):
        return
    named = os.environ.get(MULTIPROCESS_DIRECTORY_VARIABLE)
    levels = LogLevels(app, Path(named) / STATE_FILE if named else None)
    app.extensions[EXTENSION_KEY] = levels
    app.register_blueprint(_blueprint(app.config["OPERATOR_SCOPE"]))

    async def following() -> None:
        await repeat(levels.follow, FOLLOW_EVERY, _failed, FOLLOW_EVERY)

    run_while_serving(app, following)


def _blueprint(scope: str) -> Blueprint:
    """The routes, for callers granted `scope`; one blueprint per app, as the scope is its own."""
    blueprint = Blueprint("_log_level", __name__)

    @blueprint.get(PATH)
    @hide
    @requires(scope)
    @validate_response(LogLevel)
    async def log_level() -> LogLevel:
        """The level in force, the configured one, and when a change ends."""
        return _levels().now()

    @blueprint.put(PATH)
    @hide
    @requires(scope)
    @validate_request(LevelChange)
    @validate_response(LogLevel)
    async def change_log_level(data: LevelChange) -> LogLevel:
        """Log at `level` for `minutes`, in every worker of this server."""
        caller = cast(JSONRequest, request).caller
        subject = caller.subject if caller is not None else "unknown"
        return _levels().set(data.level, data.minutes, subject)

    return blueprint


def _levels() -> LogLevels:
    levels: LogLevels = current_app.extensions[EXTENSION_KEY]
    return levels


def _write(path: Path, change: Change) -> None:
    """Write the change whole, aside then renamed, so that no worker reads half of it."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as aside:
        json.dump({"level": change.level, "until": change.until}, aside)
    Path(aside.name).replace(path)


def _read(path: Path) -> Change | None:
    """The change in the shared file, or None where there is none, or none whole."""
    try:
        held = json.loads(path.read_text())
        return Change(str(held["level"]), float(held["until"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


async def _failed(error: BaseException) -> None:
    structlog.get_logger(__name__).warning("log level not followed", error=repr(error))
