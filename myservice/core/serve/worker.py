"""A worker of `make serve`: an app from the factory, served by uvicorn on the socket.

A worker process of the supervisor's, or the one process serving alone (WORKERS=1). It follows
its orders (orders.py): the order to drain turns /readyz to 503 and, DRAIN_DELAY seconds later
(or at once on the order to stop), closes the open WebSockets with 1001 Going Away and has
uvicorn close the listener; uvicorn then gives the requests in flight GRACEFUL_TIMEOUT seconds,
cancels those still running, and runs the app's shutdown.
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

import structlog
import uvicorn
from quart import Quart

from ..callers.development_serving import development_key_exposure
from ..http.readiness import start_draining
from ..identity import cannot_start
from ..observability.open_websockets import close_open_websockets
from .config import address, uvicorn_config
from .orders import FromSignals, FromSupervisor, Orders

log = structlog.get_logger(__name__)
GC_THRESHOLD = 20_000


def run_worker(sock: socket.socket, factory: str, orders: FromSupervisor) -> None:
    """A supervisor's worker process: build the app and serve it until the drain ends."""
    serve_app(app_from(factory), sock, orders)


def serve_alone(app: Quart, sock: socket.socket, bound: float) -> int:
    """Serve `app` in this process, the only one, until signals drain it; the exit status."""
    host, port = sock.getsockname()[:2]
    log.info("serving", bind=address(host, port), port=port, workers=1, pid=os.getpid())
    try:
        serve_app(app, sock, FromSignals(bound))
    except SystemExit:  # uvicorn's, once the app's start-up has failed and said why
        log.error("stopped", exitcode=1)
        return 1
    log.info("stopped", exitcode=0)
    return 0


def serve_app(app: Quart, sock: socket.socket, orders: Orders) -> None:
    """Serve `app` on `sock` until `orders` have drained it and its requests have ended."""
    # uvicorn's own lines say what the supervisor and the worker say already; keep its warnings.
    logging.getLogger("uvicorn").setLevel(logging.WARNING)
    server = _Server(uvicorn_config(app, app.config))
    tune_garbage_collection()
    try:
        import uvloop  # noqa: PLC0415 (absent on Windows and PyPy)
    except ImportError:
        asyncio.run(_serve(server, app, sock, orders))
    else:
        uvloop.run(_serve(server, app, sock, orders))


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
    """uvicorn's server without its signal handlers: the worker's orders say when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Leave signals alone: the worker ignores them, or its orders take them."""
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then say so: the worker takes requests from here on."""
        await super().startup(sockets)
        log.info("worker serving", pid=os.getpid())


async def _serve(server: _Server, app: Quart, sock: socket.socket, orders: Orders) -> None:
    log.info("worker started", pid=os.getpid())
    if exposure := development_key_exposure(app, sock.getsockname()[0]):
        log.warning(exposure)
    watcher = asyncio.create_task(_drain_when_told(server, app, orders))
    try:
        await server.serve(sockets=[sock])
    finally:
        watcher.cancel()


async def _drain_when_told(server: _Server, app: Quart, orders: Orders) -> None:
    await orders.drain()
    start_draining(app)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(app.config["DRAIN_DELAY"]):
            await orders.stop()
    in_flight = len(server.server_state.tasks)
    closed = await close_open_websockets(app)
    log.info("no longer accepting", in_flight=in_flight, websockets=closed, pid=os.getpid())
    server.should_exit = True
