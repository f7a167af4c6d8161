"""What a downstream's circuit breaker saves: calls to a dead downstream, with it and without.

`make bench` serves bench/calls.py's relay with its downstream on a port nothing listens on,
once with the default breaker and once with `breaker: null`, and times CALLS calls one after
the other. Without a breaker each call pays its connection attempts and the backoff between
them; with it, once open, none: the call is refused before a connection is tried. The bar:
an open breaker answers within OPEN_BAR_MS at the median.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from myservice.core.testing.live_server import free_port
from myservice.core.testing.service import start_service

CALLS = 200
OPEN_BAR_MS = 5.0
# The default breaker's failures, made to open it; a cool-off longer than the measure.
BREAKER = {"failures": 5, "cool_off": 600}


@dataclass(frozen=True)
class DeadCalls:
    """The times of calls to a dead downstream, and the statuses the client got."""

    label: str
    milliseconds: list[float]
    statuses: set[int]

    @property
    def p50(self) -> float:
        """The median, in ms."""
        return statistics.median(self.milliseconds)

    @property
    def p99(self) -> float:
        """The 99th percentile, in ms."""
        return statistics.quantiles(self.milliseconds, n=100)[98]


def measure_breaker(calls: int = CALLS) -> list[str]:
    """Time `calls` calls both ways, print them side by side; give the bars missed."""
    dead = f"http://127.0.0.1:{free_port()}"
    with tempfile.TemporaryDirectory() as scratch:
        runs = [
            dead_calls(Path(scratch), label, dead, breaker, calls)
            for label, breaker in (("breaker open", BREAKER), ("no breaker", None))
        ]
    print(f"\n{'a dead downstream':<26}{'p50 ms':>9}{'p99 ms':>9}  statuses")
    for run in runs:
        print(f"{run.label:<26}{run.p50:>9.2f}{run.p99:>9.2f}  {sorted(run.statuses)}")
    opened, without = runs
    print(f"no breaker / breaker open, p50: {without.p50 / opened.p50:.1f}x")
    failures = [
        f"{run.label}: the relay answered {sorted(run.statuses)}, not 503"
        for run in runs
        if run.statuses != {503}
    ]
    if opened.p50 > OPEN_BAR_MS:
        failures.append(f"an open breaker answered in {opened.p50:.1f} ms, over {OPEN_BAR_MS:g} ms")
    return failures


def dead_calls(scratch: Path, label: str, dead: str, breaker: object, calls: int) -> DeadCalls:
    """`calls` timed calls of the relay, served with its downstream at `dead`."""
    print(f"==> calls to a dead downstream: {label}", flush=True)
    entry = {"slow": {"url": dead, "breaker": breaker}}
    database = f"sqlite+aiosqlite:///{scratch}/{label.replace(' ', '_')}.db"
    server = start_service(
        scratch, factory="bench.calls:create_app", DOWNSTREAMS=entry, DATABASE_URL=database
    )
    try:
        for _ in range(BREAKER["failures"]):
            server.get("/relay")  # the failures that open it
        milliseconds, statuses = [], set()
        for _ in range(calls):
            started = time.perf_counter()
            status, _, _ = server.get("/relay")
            milliseconds.append((time.perf_counter() - started) * 1000)
            statuses.add(status)
    finally:
        server.stop()
    return DeadCalls(label, milliseconds, statuses)
