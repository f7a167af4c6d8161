"""One worker process of `make serve`: an app from the factory, served by uvicorn on the socket.

The worker follows the supervisor's two events rather than signals: `drain` turns /readyz to
503 and, DRAIN_DELAY seconds later (or at once when `stop` is set too), closes the open WebSockets with
1001 Going Away and has uvicorn close the listener; uvicorn then gives the requests in flight
GRACEFUL_TIMEOUT seconds, cancels those still running, and runs the app's shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
import os
import socket
from collections.abc import Iterator
from multiprocessing.synchronize import Event

import structlog
import uvicorn
from quart import Quart

from ..callers.development_serving import development_key_exposure
from ..http.readiness import start_draining
from ..identity import cannot_start
from ..observability.open_websockets import close_open_websockets
from .config import uvicorn_config

log = structlog.get_logger(__name__)
GC_THRESHOLD = 20_000


def run_worker(sock: socket.socket, factory: str, drain: Event, stop: Event) -> None:
    """The worker's process: build the app and serve it until the drain ends."""
    app = app_from(factory)
    # uvicorn's own lines say what the supervisor and the worker say already; keep its warnings.
    logging.getLogger("uvicorn").setLevel(logging.WARNING)
    server = _Server(uvicorn_config(app, app.config))
    tune_garbage_collection()
    try:
        import uvloop  # noqa: PLC0415 (absent on Windows and PyPy)
    except ImportError:
        asyncio.run(_serve(server, app, sock, drain, stop))
    else:
        uvloop.run(_serve(server, app, sock, drain, stop))


def tune_garbage_collection() -> None:
    """Spare the requests most of the garbage collector's work, which `make bench` put at 7%.

    What the worker built to serve (modules, the app) lives as long as it does: frozen, the
    collector no longer walks it. And a request makes many short-lived objects, so the youngest
    generation is collected every GC_THRESHOLD allocations rather than every 700.
    """
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 100)


def app_from(factory: str) -> Quart:
    """The app that `module:function` builds; a factory that is not there stops the start."""
    module, _, name = factory.partition(":")
    try:
        create = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as error:
        raise cannot_start(f"no app factory {factory!r}: {error}") from None
    app: Quart = create()
    return app


class _Server(uvicorn.Server):
    """uvicorn's server without its signal handlers: the supervisor's events say when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave signals alone: the worker ignores them, and follows the supervisor."""
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then say so: the worker takes requests from here on."""
        await super().startup(sockets)
        log.info("worker serving", pid=os.getpid())


async def _serve(
    server: _Server, app: Quart, sock: socket.socket, drain: Event, stop: Event
) -> None:
    log.info("worker started", pid=os.getpid())
    if exposure := development_key_exposure(app, sock.getsockname()[0]):
        log.warning(exposure)
    watcher = asyncio.create_task(_drain_when_told(server, app, drain, stop))
    try:
        await server.serve(sockets=[sock])
    finally:
        watcher.cancel()


async def _drain_when_told(server: _Server, app: Quart, drain: Event, stop: Event) -> None:
    supervisor = os.getppid()
    await _until_set(drain, supervisor)
    start_draining(app)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(app.config["DRAIN_DELAY"]):
            await _until_set(stop, supervisor)
    in_flight = len(server.server_state.tasks)
    closed = await close_open_websockets(app)
    log.info("no longer accepting", in_flight=in_flight, websockets=closed, pid=os.getpid())
    server.should_exit = True


async def _until_set(event: Event, supervisor: int) -> None:
    """Return once the supervisor sets `event`, or once it is gone and cannot any more."""
    # A multiprocessing Event cannot be awaited: poll it.
    while not event.is_set() and os.getppid() == supervisor:  # noqa: ASYNC110
        await asyncio.sleep(0.1)
