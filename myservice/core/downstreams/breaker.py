"""A circuit breaker per downstream and worker: after a run of failed calls, fail at once.

A downstream that is down costs each call its connection attempts, retries and deadline, while
the service's own clients wait. After `failures` calls in a row fail (cannot connect, dropped,
a 5xx after the retries, the deadline passed; never an answer under 500, which is the
caller's to handle) the breaker opens: calls fail at once with a 503 naming the downstream and
`Retry-After` for what is left of `cool_off`. Once it has passed, one call goes through, the
trial, while the others still fail at once: its success closes the breaker, its failure opens
it for another cool-off. Each change is logged once, and /metrics shows the state.

The `circuitbreaker` library lets every call through once the cool-off has passed rather than
one trial, and keeps its breakers in one registry per process (two apps of a test would share
one), so the breaker is this module's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from prometheus_client import Gauge

from .outcomes import DownstreamError
from .parts import BreakerSettings

# The states, as the gauge shows them: the larger, the worse.
CLOSED, HALF_OPEN, OPEN = 0, 1, 2
NAMES = {CLOSED: "closed", HALF_OPEN: "half-open", OPEN: "open"}


class Breaker:
    """One downstream's breaker in this worker."""

    def __init__(self, name: str, settings: BreakerSettings, gauge: Gauge) -> None:
        """Closed, with no failure counted."""
        self.name = name
        self._threshold, self._cool_off = settings.failures, settings.cool_off
        self._gauge = gauge.labels(name)
        self._state = CLOSED
        self._failures = 0
        self._opened_at = -math.inf
        self._trial_out = False
        self._gauge.set(CLOSED)

    @property
    def state(self) -> str:
        """closed, half-open or open."""
        return NAMES[self._state]

    @contextmanager
    def guarding(self) -> Iterator[None]:
        """Admit a call or refuse it (DownstreamError 503); count how it ends.

        A call that ends in a DownstreamError the downstream is not to blame for, or that is
        cancelled, counts neither way: a trial's place goes to the next call.
        """
        trial = self._admit()
        try:
            yield
        except DownstreamError as error:
            if error.downstream_failed:
                self._failed(trial)
            else:
                self._abandoned(trial)
            raise
        except BaseException:
            self._abandoned(trial)
            raise
        self._succeeded(trial)

    def _admit(self) -> bool:
        """Whether the admitted call is the trial; DownstreamError when none is admitted."""
        if self._state == CLOSED:
            return False
        left = self._opened_at + self._cool_off - time.monotonic()
        if self._state == OPEN and left <= 0:
            self._change(HALF_OPEN, "the next call is a trial")
        if self._state == HALF_OPEN and not self._trial_out:
            self._trial_out = True
            return True
        raise DownstreamError(
            503,
            self.name,
            f"{self.name} is failing: calls to it stop for a while (circuit breaker open).",
            retry_after=max(1, math.ceil(left)),
            downstream_failed=False,
        )

    def _succeeded(self, trial: bool) -> None:
        if trial:
            self._trial_out = False
            self._failures = 0
            self._change(CLOSED, "the trial call succeeded")
        elif self._state == CLOSED:
            self._failures = 0

    def _failed(self, trial: bool) -> None:
        if trial:
            self._trial_out = False
            self._open("the trial call failed")
        elif self._state == CLOSED:
            self._failures += 1
            if self._failures >= self._threshold:
                self._open(f"{self._failures} calls in a row failed")

    def _abandoned(self, trial: bool) -> None:
        if trial:
            self._trial_out = False

    def _open(self, why: str) -> None:
        self._opened_at = time.monotonic()
        self._change(OPEN, f"{why}; calls fail at once for {self._cool_off:g} s")

    def _change(self, state: int, why: str) -> None:
        self._state = state
        self._gauge.set(state)
        log = structlog.get_logger(__name__)
        (log.warning if state == OPEN else log.info)(
            f"downstream circuit {NAMES[state]}", downstream=self.name, reason=why
        )
