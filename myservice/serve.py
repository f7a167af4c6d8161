"""Serve the app in production: Hypercorn workers, a drain on SIGTERM, a bounded shutdown.

`python -m myservice.serve` (what `make serve` runs) reads Hypercorn's settings from
hypercorn.toml, binds HOST:PORT and starts WORKERS processes running Hypercorn's own worker code,
each serving an app from myservice's create_app (or the factory named as `module:function`).
This process only supervises them. On SIGTERM or SIGINT:

1. every worker's /readyz answers 503 at once, while serving goes on for DRAIN_DELAY seconds so
   that load balancers stop sending traffic (a second signal cuts the delay short);
2. the workers stop accepting connections and give the requests in flight GRACEFUL_TIMEOUT
   seconds, then cancel any still running (Hypercorn alone waits for them without end on
   Python 3.12+, its issue #308);
3. the server exits 0, or 1 if any worker failed or had to be killed. A worker that dies takes
   the others down with it, so that the orchestrator sees the failure and restarts the service.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from types import FrameType
from typing import cast

import structlog
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from hypercorn.utils import wrap_app
from prometheus_client.multiprocess import mark_process_dead
from quart import Quart

from myservice.metrics import MULTIPROCESS_DIRECTORY_VARIABLE
from myservice.readiness import start_draining
from myservice.server_config import server_config
from myservice.startup import StartupError

# Time a worker gets, past DRAIN_DELAY + GRACEFUL_TIMEOUT, to run the app's shutdown hooks and
# exit before it is killed. Orchestrators must wait longer than the sum of the three.
SHUTDOWN_SLACK = 5

log = structlog.get_logger("myservice.serve")


DEFAULT_FACTORY = "myservice.app:create_app"


def main() -> None:
    """Serve until a signal has drained and stopped the workers; exit with the outcome."""
    factories = sys.argv[1:]
    if len(factories) > 1:
        raise SystemExit("usage: python -m myservice.serve [module:app_factory]")
    sys.exit(serve(os.environ, *factories))


def serve(environ: Mapping[str, str], factory: str = DEFAULT_FACTORY) -> int:
    """Check the settings, bind the socket, run the workers and return the exit status."""
    # Building the app once here checks the settings and views and sets up logging, so that a
    # mistake stops the start with one line rather than once in every worker.
    settings = _app_from(factory).config
    try:
        config = server_config(environ, settings)
    except StartupError as error:
        raise SystemExit(f"myservice: cannot start: {error}") from None
    metrics_directory, created = _metrics_directory(environ, config.workers)
    try:
        return _supervise(config, factory, metrics_directory, shutdown_bound(settings))
    finally:
        if created and metrics_directory is not None:
            shutil.rmtree(metrics_directory, ignore_errors=True)


def shutdown_bound(settings: Mapping[str, int]) -> int:
    """Seconds from the first signal to the server's exit, at most: orchestrators wait longer."""
    return settings["DRAIN_DELAY"] + settings["GRACEFUL_TIMEOUT"] + SHUTDOWN_SLACK


def run_worker(config: Config, factory: str, sockets: Sockets, drain: Event, stop: Event) -> None:
    """One worker process: build the app and serve it with Hypercorn until the drain ends."""
    app = _app_from(factory)
    try:
        import uvloop  # noqa: PLC0415 (absent on Windows and PyPy)
    except ImportError:
        asyncio.run(_serve(app, config, sockets, drain, stop))
    else:
        uvloop.run(_serve(app, config, sockets, drain, stop))


def _app_from(factory: str) -> Quart:
    module, _, name = factory.partition(":")
    try:
        create = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as error:
        raise SystemExit(f"myservice: cannot start: no app factory {factory!r}: {error}") from None
    app: Quart = create()
    return app


def _supervise(config: Config, factory: str, metrics_directory: Path | None, bound: float) -> int:
    context = get_context("spawn")
    shutdown = _Shutdown(context.Event(), context.Event(), bound)
    sockets = config.create_sockets()
    # Workers inherit these: a signal sent to the whole process group (Ctrl-C in a terminal,
    # `timeout`, systemd) reaches them only through the events, so they drain like the rest.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    workers = [
        context.Process(
            target=run_worker,
            kwargs={
                "config": config,
                "factory": factory,
                "sockets": sockets,
                "drain": shutdown.drain,
                "stop": shutdown.stop,
            },
        )
        for _ in range(config.workers)
    ]
    for worker in workers:
        worker.start()
    # The workers hold copies of the listening sockets. Closing this process's copies means the
    # port refuses connections as soon as the workers stop listening, instead of queueing them.
    for sock in [*sockets.secure_sockets, *sockets.insecure_sockets, *sockets.quic_sockets]:
        sock.close()
    signal.signal(signal.SIGINT, shutdown.on_signal)
    signal.signal(signal.SIGTERM, shutdown.on_signal)
    log.info("serving", bind=config.bind, workers=config.workers, pid=os.getpid())
    status = _reap(workers, shutdown, metrics_directory)
    log.info("stopped", exitcode=status)
    return status


@dataclass
class _Shutdown:
    """The supervisor's side of shutdown: the events the workers watch, and the deadline."""

    drain: Event
    stop: Event
    bound: float
    deadline: float | None = None

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """The first signal starts the drain; the next one cuts the drain delay short."""
        name = signal.Signals(signum).name
        if self.drain.is_set():
            log.info("stopping now", signal=name)
            self.stop.set()
            return
        log.info("draining", signal=name, exit_within_s=self.bound, send_again_to="stop now")
        self.deadline = time.monotonic() + self.bound
        self.drain.set()

    def fail(self) -> None:
        """Stop every worker at once, with no drain delay."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.bound
        self.drain.set()
        self.stop.set()

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
            if worker.exitcode != 0 or not shutdown.drain.is_set():
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


async def _serve(app: Quart, config: Config, sockets: Sockets, drain: Event, stop: Event) -> None:
    in_flight = InFlightRequests(app)
    supervisor = os.getppid()

    async def drained() -> None:
        """Hypercorn's shutdown trigger: it stops accepting when this returns."""
        await _until_set(drain, supervisor)
        start_draining(app)
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(_until_set(stop, supervisor), app.config["DRAIN_DELAY"])
        log.info("no longer accepting", in_flight=len(in_flight.tasks), pid=os.getpid())
        asyncio.get_running_loop().call_later(config.graceful_timeout, in_flight.cancel)

    log.info("worker started", pid=os.getpid())
    await worker_serve(
        wrap_app(in_flight, config.wsgi_max_body_size, "asgi"),
        config,
        sockets=sockets,
        shutdown_trigger=drained,
    )


async def _until_set(event: Event, supervisor: int) -> None:
    """Return once the supervisor sets `event`, or once it is gone and cannot any more."""
    # A multiprocessing Event cannot be awaited: poll it, as Hypercorn's own workers do.
    while not event.is_set() and os.getppid() == supervisor:  # noqa: ASYNC110
        await asyncio.sleep(0.1)


class InFlightRequests:
    """ASGI middleware that knows the tasks answering requests, to cancel them at the deadline."""

    def __init__(self, app: Quart) -> None:
        self.app = app
        self.tasks: set[asyncio.Task[object]] = set()

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Pass the call on, remembering its task while it runs unless it is the lifespan."""
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        task = asyncio.current_task()
        assert task is not None  # nosec B101  # noqa: S101 (Hypercorn runs each request in a task)
        self.tasks.add(task)
        try:
            await self.app(scope, receive, send)
        finally:
            self.tasks.discard(task)

    def cancel(self) -> None:
        """Cancel the requests still running once GRACEFUL_TIMEOUT has passed."""
        if self.tasks:
            log.warning("cancelling requests past the graceful timeout", count=len(self.tasks))
        for task in self.tasks:
            task.cancel()


def _metrics_directory(environ: Mapping[str, str], workers: int) -> tuple[Path | None, bool]:
    """Empty PROMETHEUS_MULTIPROC_DIR, or make a temporary one, before any worker writes to it.

    One worker needs no directory unless one is named: its own metrics are all there is, and
    keeping them in memory spares every request the writes to the shared files.
    """
    named = environ.get(MULTIPROCESS_DIRECTORY_VARIABLE)
    if workers == 1 and not named:
        return None, False
    directory = Path(named) if named else Path(tempfile.mkdtemp(prefix="myservice-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIRECTORY_VARIABLE] = str(directory)
    return directory, not named


if __name__ == "__main__":
    main()
