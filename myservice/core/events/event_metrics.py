"""The events' metrics: published, pending in the outbox, handled by outcome, dead, and how long.

Labels are topics and handler names, which the code defines: no message can grow the label set.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class EventMetrics:
    """The counters, gauge and histogram of the events, in the app's registry."""

    published: Counter
    pending: Gauge
    handled: Counter
    dead: Counter
    duration: Histogram

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
        )

    def handled_by(self, handler: str, outcome: str, seconds: float) -> None:
        """Count a message handled, and how long it took."""
        self.handled.labels(handler, outcome).inc()
        self.duration.labels(handler).observe(seconds)
        if outcome == "dead":
            self.dead.labels(handler).inc()
