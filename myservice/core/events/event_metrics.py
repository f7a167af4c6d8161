"""The events' metrics: published, waiting, handled by outcome, dead, how long; scheduled firings.

Labels are topics and handler names, which the code defines: no message can grow the label set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func, select

from ..data.database import reading
from ..data.tables import milliseconds
from .outbox import OutboxMessage

LOOK_EVERY = 5.0  # seconds: the outbox's gauges are never older, whoever moved its messages


@dataclass(frozen=True)
class EventMetrics:
    """The counters, gauge and histogram of the events, in the app's registry."""

    published: Counter
    pending: Gauge
    oldest: Gauge
    handled: Counter
    dead: Counter
    duration: Histogram
    scheduled: Counter

    @classmethod
    def on(cls, registry: CollectorRegistry) -> EventMetrics:
        """The metrics, registered in `registry`."""
        return cls(
            Counter(
                "events_published",
                "Messages that left the outbox: confirmed by the broker, or delivered in-process.",
                ["topic"],
                registry=registry,
            ),
            Gauge(
                "events_outbox_pending",
                "Messages in the outbox, committed and not yet delivered.",
                registry=registry,
                multiprocess_mode="max",
            ),
            Gauge(
                "events_outbox_oldest_seconds",
                "How long the oldest message of the outbox has waited: alert on it.",
                registry=registry,
                multiprocess_mode="max",
            ),
            Counter(
                "events_handled",
                "Messages a handler took, by handler and outcome (done, duplicate, retry, dead).",
                ["handler", "outcome"],
                registry=registry,
            ),
            Counter(
                "events_dead_lettered",
                "Messages a handler gave up on: tried EVENTS_MAX_ATTEMPTS times, or invalid.",
                ["handler"],
                registry=registry,
            ),
            Histogram(
                "events_handler_duration_seconds",
                "Time a handler took on a message, its transaction included.",
                ["handler"],
                registry=registry,
            ),
            Counter(
                "scheduled_jobs",
                "Ticks of each schedule, by firing: on_time, late (fired after being missed), skipped.",
                ["topic", "firing"],
                registry=registry,
            ),
        )

    def handled_by(self, handler: str, outcome: str, seconds: float) -> None:
        """Count a message handled, and how long it took."""
        self.handled.labels(handler, outcome).inc()
        self.duration.labels(handler).observe(seconds)
        if outcome == "dead":
            self.dead.labels(handler).inc()


async def observe_outbox(metrics: EventMetrics | None) -> dict[str, float]:
    """How many messages wait in the outbox, and how long the oldest has; set in the gauges too.

    For a log line (empty when the database cannot say): a broker away shows there as it grows.
    """
    try:
        async with reading() as session:
            query = select(func.count(), func.min(OutboxMessage.created_at))
            count, oldest = (await session.execute(query)).one()
    except Exception:
        return {}
    waited = (milliseconds() - oldest) / 1000 if oldest is not None else 0.0
    if metrics is not None:
        metrics.pending.set(count)
        metrics.oldest.set(waited)
    return {"outbox_messages": count, "outbox_oldest_seconds": round(waited, 1)}


async def left_outbox(metrics: EventMetrics | None, topics: list[str]) -> None:
    """Count the messages of `topics` that left the outbox, then look at what waits there still."""
    if metrics is None:
        return
    for topic in topics:
        metrics.published.labels(topic).inc()
    await observe_outbox(metrics)


@dataclass
class OutboxWatch:
    """Keeps the outbox's gauges current, looking again once the last look is LOOK_EVERY old.

    A process looks after each pass that moved messages; but another may have emptied the
    outbox meanwhile, and a gauge left at what this one saw last would raise an alert for nothing.
    """

    metrics: EventMetrics | None
    last_look: float = field(default=float("-inf"))

    async def now_and_then(self) -> None:
        """Look at the outbox if the last look is LOOK_EVERY old."""
        if self.metrics is not None and time.monotonic() - self.last_look >= LOOK_EVERY:
            self.last_look = time.monotonic()
            await observe_outbox(self.metrics)
