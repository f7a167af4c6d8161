"""Serve the app in production: uvicorn workers, a drain on SIGTERM, a bounded shutdown.

`python -m <service>.core.serve` (what `make serve` runs) binds HOST:PORT and serves an app from
the service's create_app (or the factory named as `module:function`) with uvicorn. With
WORKERS=1 (a Kubernetes pod's) the process serves it itself, alone: no supervisor to pay for.
With more, it starts WORKERS processes (worker.py) and only supervises them. On SIGTERM or SIGINT:

1. every worker's /readyz answers 503 at once, while serving goes on for DRAIN_DELAY seconds so
   that load balancers stop sending traffic (a second signal cuts the delay short);
2. the workers stop accepting connections and give the requests in flight GRACEFUL_TIMEOUT
   seconds, then cancel any still running;
3. the server exits 0, or 1 if any worker failed or had to be killed (serving alone, if it had
   not exited in time). A worker that dies takes the others down with it, so that the
   orchestrator sees the failure and restarts the service.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import TypeVar, cast

import structlog
from prometheus_client.multiprocess import mark_process_dead

from ..identity import SERVICE, StartupError, cannot_start
from ..observability.log_levels import STATE_FILE
from ..observability.metrics import MULTIPROCESS_DIRECTORY_VARIABLE
from .config import Listener, address, bind, listener_from_environment
from .orders import FromSupervisor, announce
from .worker import app_from, run_worker, serve_alone

# Time a worker gets, past DRAIN_DELAY + GRACEFUL_TIMEOUT, to run the app's shutdown hooks and
# exit before it is killed. Orchestrators must wait longer than the sum of the three.
SHUTDOWN_SLACK = 5
DEFAULT_FACTORY = f"{SERVICE}:create_app"

log = structlog.get_logger(__name__)
T = TypeVar("T")


def main() -> None:
    """Serve until a signal has drained and stopped the workers; exit with the outcome."""
    factories = sys.argv[1:]
    if len(factories) > 1:
        raise SystemExit(f"usage: python -m {__package__} [module:app_factory]")
    sys.exit(serve(*factories))


def serve(factory: str = DEFAULT_FACTORY) -> int:
    """Check the settings, bind the socket, serve alone or run the workers; the exit status."""
    listener = _checked(listener_from_environment)
    if listener.workers == 1:
        _metrics_directory(1)  # emptied before the app's metrics open their files in it
    # Building the app here checks the settings and views and sets up logging, so that a
    # mistake stops the start with one line rather than once in every worker.
    app = app_from(factory)
    sock = _checked(lambda: bind(listener, app.config["LISTEN_BACKLOG"]))
    if listener.workers == 1:
        return serve_alone(app, sock, shutdown_bound(app.config))
    metrics_directory, created = _metrics_directory(listener.workers)
    try:
        return _supervise(sock, listener, factory, metrics_directory, shutdown_bound(app.config))
    finally:
        if created and metrics_directory is not None:
            shutil.rmtree(metrics_directory, ignore_errors=True)


def _checked(step: Callable[[], T]) -> T:
    try:
        return step()
    except StartupError as error:
        raise cannot_start(error) from None


def shutdown_bound(settings: Mapping[str, int]) -> int:
    """Seconds from the first signal to the server's exit, at most: orchestrators wait longer."""
    return settings["DRAIN_DELAY"] + settings["GRACEFUL_TIMEOUT"] + SHUTDOWN_SLACK


def _supervise(
    sock: socket.socket,
    listener: Listener,
    factory: str,
    metrics_directory: Path | None,
    bound: float,
) -> int:
    context = get_context("spawn")
    orders = FromSupervisor(context.Event(), context.Event(), os.getpid())
    shutdown = _Shutdown(orders, bound)
    # Workers inherit these: a signal sent to the whole process group (Ctrl-C in a terminal,
    # `timeout`, systemd) reaches them only through the events, so they drain like the rest.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    workers = [
        context.Process(target=run_worker, args=(sock, factory, orders))
        for _ in range(listener.workers)
    ]
    for worker in workers:
        worker.start()
    # The workers hold copies of the listening socket. Closing this process's copy means the
    # port refuses connections as soon as the workers stop listening, instead of queueing them.
    host, port = sock.getsockname()[:2]
    sock.close()
    signal.signal(signal.SIGINT, shutdown.on_signal)
    signal.signal(signal.SIGTERM, shutdown.on_signal)
    bound_to = address(host, port)
    log.info("serving", bind=bound_to, port=port, workers=listener.workers, pid=os.getpid())
    status = _reap(workers, shutdown, metrics_directory)
    log.info("stopped", exitcode=status)
    return status


@dataclass
class _Shutdown:
    """The supervisor's side of shutdown: the orders the workers follow, and the deadline."""

    orders: FromSupervisor
    bound: float
    deadline: float | None = None

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """The first signal starts the drain; the next one cuts the drain delay short."""
        announce(signum, self.orders.draining.is_set(), self.bound)
        if self.orders.draining.is_set():
            self.orders.stopping.set()
            return
        self.deadline = time.monotonic() + self.bound
        self.orders.draining.set()

    def fail(self) -> None:
        """Stop every worker at once, with no drain delay."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.bound
        self.orders.draining.set()
        self.orders.stopping.set()

    def overdue(self) -> bool:
        """Whether the workers have had all the time the shutdown bound gives them."""
        return self.deadline is not None and time.monotonic() > self.deadline


def _reap(
    workers: Sequence[BaseProcess], shutdown: _Shutdown, metrics_directory: Path | None
) -> int:
    """Wait for the workers to exit: 0 when all exit cleanly after a signal, else 1."""
    status = 0
    running = {worker.sentinel: worker for worker in workers}
    while running:
        # Wake up now and then: a signal handler may have set a deadline since the last look.
        for sentinel in wait(list(running), timeout=0.25):
            worker = running.pop(cast(int, sentinel))
            worker.join()
            if metrics_directory is not None:
                mark_process_dead(worker.pid, str(metrics_directory))  # type: ignore[no-untyped-call]
            if worker.exitcode != 0 or not shutdown.orders.draining.is_set():
                log.error("worker failed", pid=worker.pid, exitcode=worker.exitcode)
                status = 1
                shutdown.fail()
        if running and shutdown.overdue():
            for worker in running.values():
                log.error("worker did not stop in time; killing it", pid=worker.pid)
                worker.kill()
            status = 1
            shutdown.deadline = None
    return status


def _metrics_directory(workers: int) -> tuple[Path | None, bool]:
    """Empty PROMETHEUS_MULTIPROC_DIR, or make a temporary one, before any worker writes to it.

    A log level a former server was told to keep for a while goes too (log_levels.py).

    One worker needs no directory unless one is named: its own metrics are all there is, and
    keeping them in memory spares every request the writes to the shared files.
    """
    named = os.environ.get(MULTIPROCESS_DIRECTORY_VARIABLE)
    if workers == 1 and not named:
        return None, False
    directory = Path(named) if named else Path(tempfile.mkdtemp(prefix=f"{SERVICE}-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in [*directory.glob("*.db"), directory / STATE_FILE]:
        stale.unlink(missing_ok=True)
    os.environ[MULTIPROCESS_DIRECTORY_VARIABLE] = str(directory)
    return directory, not named
