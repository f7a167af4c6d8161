"""What /metrics says of the calls to downstreams: attempts, times, token fetches, breakers."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class DownstreamMetrics:
    """Each attempt by status class, each call's time, each token fetch, each breaker's state."""

    attempts: Counter
    latency: Histogram
    token_fetches: Counter
    circuit: Gauge

    @classmethod
    def on(cls, registry: CollectorRegistry) -> DownstreamMetrics:
        """The metrics, registered with the app's registry."""
        return cls(
            Counter(
                "downstream_requests",
                "Requests to downstreams, each attempt, by downstream, method and status class.",
                ["downstream", "method", "status"],
                registry=registry,
            ),
            Histogram(
                "downstream_request_duration_seconds",
                "Time a call to a downstream took, its retries included.",
                ["downstream", "method"],
                registry=registry,
            ),
            Counter(
                "downstream_token_fetches",
                "Fetches of this service's token for a downstream, by outcome.",
                ["downstream", "outcome"],
                registry=registry,
            ),
            Gauge(
                "downstream_circuit_state",
                "A downstream's circuit breaker: 0 closed, 1 half-open, 2 open (the worst worker's).",
                ["downstream"],
                registry=registry,
                multiprocess_mode="livemax",
            ),
        )
