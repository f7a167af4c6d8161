"""Timestamps of log lines: UTC, ISO 8601 to the microsecond, as structlog's TimeStamper writes.

The part down to the second is formatted once per second: on the request log's hot path,
formatting a datetime each time costs as much as rendering the rest of the line.
"""

from __future__ import annotations

import time

from structlog.typing import EventDict


class UTCTimestamper:
    """A clock for log lines; as a structlog processor, it sets event["timestamp"]."""

    def __init__(self) -> None:
        self._second = -1
        self._formatted = ""

    def now(self) -> str:
        """The time now, such as 2026-11-21T09:30:00.123456Z."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._formatted = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._formatted}.{int((now - second) * 1e6):06d}Z"

    def __call__(self, _logger: object, _method: str, event: EventDict) -> EventDict:
        """Set event["timestamp"]."""
        event["timestamp"] = self.now()
        return event
