"""How a worker is told to drain, then to stop: by its supervisor, or, serving alone, by signals.

Under a supervisor (WORKERS > 1) the worker ignores signals and follows two events the
supervisor sets. Serving alone (WORKERS=1, one process, as in a Kubernetes pod), the process
takes SIGTERM and SIGINT itself: the first drains, a second stops at once, and should it not
have exited within the shutdown bound it exits 1, as the supervisor would have killed it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from typing import Protocol

import structlog

log = structlog.get_logger(__name__)


class Orders(Protocol):
    """What a worker waits for: the order to drain, then the order to stop at once."""

    async def drain(self) -> None:
        """Return once the worker is to drain."""

    async def stop(self) -> None:
        """Return once the worker is to stop without waiting out DRAIN_DELAY."""


def announce(signum: int, draining: bool, bound: float) -> None:
    """Log what a signal does: the first starts the drain, the next one stops at once."""
    name = signal.Signals(signum).name
    if draining:
        log.info("stopping now", signal=name)
    else:
        log.info("draining", signal=name, exit_within_s=bound, send_again_to="stop now")


@dataclass(frozen=True)
class FromSupervisor:
    """The supervisor's two events; a supervisor gone counts as both orders given."""

    draining: Event
    stopping: Event
    supervisor: int  # its pid: the worker's parent

    async def drain(self) -> None:
        """Return once the supervisor sets `draining`, or is gone."""
        await self._until_set(self.draining)

    async def stop(self) -> None:
        """Return once the supervisor sets `stopping`, or is gone."""
        await self._until_set(self.stopping)

    async def _until_set(self, event: Event) -> None:
        # A multiprocessing Event cannot be awaited: poll it.
        while not event.is_set() and os.getppid() == self.supervisor:  # noqa: ASYNC110
            await asyncio.sleep(0.1)


class FromSignals:
    """SIGTERM or SIGINT drains, a second one stops; past `bound` seconds the process exits 1."""

    def __init__(self, bound: float) -> None:
        """Orders for a process serving alone, which must have exited `bound` s after a signal."""
        self.bound = bound
        self._draining = asyncio.Event()
        self._stopping = asyncio.Event()

    async def drain(self) -> None:
        """Take the signals from now on; return at the first."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_signal, signum)
        await self._draining.wait()

    async def stop(self) -> None:
        """Return at the second signal."""
        await self._stopping.wait()

    def _on_signal(self, signum: int) -> None:
        announce(signum, self._draining.is_set(), self.bound)
        if self._draining.is_set():
            self._stopping.set()
            return
        self._draining.set()
        overdue = threading.Timer(self.bound, _exit_overdue)
        overdue.daemon = True
        overdue.start()


def _exit_overdue() -> None:
    log.error("did not stop in time; exiting", pid=os.getpid())
    os._exit(1)
