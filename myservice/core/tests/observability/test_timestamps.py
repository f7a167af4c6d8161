"""Log timestamps: UTC, to the microsecond, in the form structlog's own TimeStamper writes."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ...observability.timestamps import UTCTimestamper

FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def test_now_is_utc_to_the_microsecond() -> None:
    """The time is ISO 8601 with a Z, and it is now."""
    stamp = UTCTimestamper().now()
    assert FORM.fullmatch(stamp)
    written = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - written).total_seconds()) < 5


def test_as_a_processor_it_stamps_the_event() -> None:
    """As a structlog processor it adds `timestamp` and keeps the rest of the event."""
    event = UTCTimestamper()(None, "info", {"event": "started"})
    assert event["event"] == "started"
    assert FORM.fullmatch(str(event["timestamp"]))


def test_stamps_in_a_row_never_go_back() -> None:
    """The cached second is renewed as time moves on, so successive stamps are in order."""
    clock = UTCTimestamper()
    stamps = [clock.now() for _ in range(1000)]
    assert stamps == sorted(stamps)
