"""The log level of a running service, changed for a while: GET and PUT /log-level.

An incident wants DEBUG lines now, not after a restart. An operator (a token granting
OPERATOR_SCOPE) sets a level for some minutes; then it goes back to LOG_LEVEL by itself, so that
nobody has to remember to turn it off. Every worker of the server takes it up within a second:
the change is written to a file in the directory the supervisor shares with its workers
(PROMETHEUS_MULTIPROC_DIR), which each reads every half second; served alone, the process has
it at once. The change is logged at WARNING, with who made it.

The routes exist only where tokens come from an identity provider, or the development key is
allowed (AUTH_DEVELOPMENT_KEY, DEBUG, TESTING): a protected route would otherwise make the
service refuse to start. They are an operator's, not the service's API: not in the OpenAPI
document.
"""

from __future__ import annotations

import json
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
from ..http.access import requires
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
    """A level set until a time (seconds since the epoch): what the shared file holds."""

    level: str
    until: float


class LogLevels:
    """The process's level: the configured one, or a change until it ends."""

    def __init__(self, app: Quart, shared: Path | None) -> None:
        """Follow changes written to `shared`, or keep them in this process alone."""
        self._app, self._shared = app, shared
        self.configured: str = app.config["LOG_LEVEL"]
        self._change: Change | None = None
        self._read_at = 0.0
        self._applied = self.configured

    def now(self) -> LogLevel:
        """The level in force now."""
        change = self._current_change()
        if change is None:
            return LogLevel(level=self.configured, configured=self.configured, until=None)
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(change.until))
        return LogLevel(level=change.level, configured=self.configured, until=until)

    def set(self, level: str, minutes: int, subject: str) -> LogLevel:
        """Log at `level` for `minutes`, in every worker; say so, naming `subject`."""
        change = Change(level, time.time() + minutes * 60)
        if self._shared is not None:
            _write(self._shared, change)
        self._change = change
        self._apply(level)
        structlog.get_logger(__name__).warning(
            "log level changed", to=level, minutes=minutes, subject=subject
        )
        return self.now()

    async def follow(self) -> bool:
        """Take up a change another worker wrote, or the end of one; never more to do at once."""
        if self._shared is not None:
            try:
                written = self._shared.stat().st_mtime
            except FileNotFoundError:
                written = self._read_at
            if written != self._read_at:
                self._read_at = written
                self._change = _read(self._shared)
        change = self._current_change()
        self._apply(self.configured if change is None else change.level)
        return False

    def _current_change(self) -> Change | None:
        if self._change is not None and time.time() >= self._change.until:
            self._change = None
        return self._change

    def _apply(self, level: str) -> None:
        if level != self._applied:
            if level == self.configured:
                structlog.get_logger(__name__).warning("log level restored", to=level)
            self._applied = level
            set_level(self._app, level)


def init_app(app: Quart) -> None:
    """Serve GET and PUT /log-level where tokens can be checked, and follow the changes."""
    config = app.config
    allowed = config["AUTH_DEVELOPMENT_KEY"] or config["DEBUG"] or config["TESTING"]
    if config["AUTH_JWKS_URL"] is None and not allowed:
        return
    named = os.environ.get(MULTIPROCESS_DIRECTORY_VARIABLE)
    levels = LogLevels(app, Path(named) / STATE_FILE if named else None)
    app.extensions[EXTENSION_KEY] = levels
    app.register_blueprint(_blueprint(config["OPERATOR_SCOPE"]))

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
