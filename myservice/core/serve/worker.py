"""One worker process of `make serve`: an app from the factory, served by Hypercorn's own code.

The worker follows the supervisor's two events rather than signals: `drain` turns /readyz to
503 and, DRAIN_DELAY seconds later (or at once when `stop` is set too), closes the listener;
the requests still in flight GRACEFUL_TIMEOUT seconds after that are cancelled.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from contextlib import suppress
from multiprocessing.synchronize import Event

import structlog
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config, Sockets
from hypercorn.typing import ASGIReceiveCallable, ASGISendCallable, Scope
from hypercorn.utils import wrap_app
from quart import Quart

from ..probes import start_draining
from ..startup import cannot_start

log = structlog.get_logger(__name__)


def run_worker(config: Config, factory: str, sockets: Sockets, drain: Event, stop: Event) -> None:
    """The worker's process: build the app and serve it with Hypercorn until the drain ends."""
    app = app_from(factory)
    try:
        import uvloop  # noqa: PLC0415 (absent on Windows and PyPy)
    except ImportError:
        asyncio.run(_serve(app, config, sockets, drain, stop))
    else:
        uvloop.run(_serve(app, config, sockets, drain, stop))


def app_from(factory: str) -> Quart:
    """The app that `module:function` builds; a factory that is not there stops the start."""
    module, _, name = factory.partition(":")
    try:
        create = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError) as error:
        raise cannot_start(f"no app factory {factory!r}: {error}") from None
    app: Quart = create()
    return app


async def _serve(app: Quart, config: Config, sockets: Sockets, drain: Event, stop: Event) -> None:
    in_flight = InFlightRequests(app)
    supervisor = os.getppid()

    async def drained() -> None:
        """Hypercorn's shutdown trigger: it stops accepting when this returns."""
        await _until_set(drain, supervisor)
        start_draining(app)
        with suppress(TimeoutError):
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
