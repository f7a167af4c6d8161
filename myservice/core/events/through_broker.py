"""Delivery through RabbitMQ, while the app serves: the relay, and in the worker the consumers.

With BROKER_URL set, each serving app connects (trying again every few seconds while the broker
cannot be reached, and /readyz saying so), declares the topology (broker.py) and relays the
outbox (relay.py); the worker (ROLE: worker, `make worker`) also consumes for its handlers
(consuming.py). On the drain it stops taking messages, finishes those in hand within
GRACEFUL_TIMEOUT and closes: the rest go back to their queues.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import structlog
from quart import Quart

from ..data.url import is_sqlite
from ..observability.probes import NotReady, add_readiness_check
from .broker import Broker
from .consuming import Consuming
from .inbox import Consumers
from .relay import AWAY, relay_forever

CONNECT_TIMEOUT = 5.0


@dataclass
class Connected:
    """What runs for the app while it serves: its broker, consumers and the task that runs them."""

    broker: Broker | None = None
    consuming: Consuming | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


def init_app(app: Quart, consumers: Consumers) -> None:
    """Relay and consume through BROKER_URL while serving; /readyz checks the connection."""
    running = Connected()

    @app.before_serving
    async def connect() -> None:
        running.task = asyncio.create_task(_run(app, consumers, running))

    @app.after_serving
    async def disconnect() -> None:
        if running.consuming is not None:
            await running.consuming.stop(app.config["GRACEFUL_TIMEOUT"])
        if running.task is not None:
            running.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running.task
        if running.broker is not None:
            await running.broker.close()
        running.broker = running.consuming = running.task = None

    async def broker_ready() -> None:
        if running.broker is None or not running.broker.connection.connected.is_set():
            raise NotReady("the broker is not connected")

    add_readiness_check(app, "broker", broker_ready)


async def _run(app: Quart, consumers: Consumers, running: Connected) -> None:
    url, exchange = app.config["BROKER_URL"], app.config["EVENTS_EXCHANGE"]
    while running.broker is None:
        try:
            running.broker = await Broker.connect(url, exchange, consumers, CONNECT_TIMEOUT)
        except Exception as error:
            structlog.get_logger(__name__).warning("broker unreachable", reason=str(error))
            await asyncio.sleep(AWAY)
    if app.config["ROLE"] == "worker":
        running.consuming = Consuming(app, running.broker, consumers)
        await running.consuming.start()
    await relay_forever(running.broker, is_sqlite(app.config["DATABASE_URL"]), consumers.metrics)
