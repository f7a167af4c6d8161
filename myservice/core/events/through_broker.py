"""Delivery through RabbitMQ, while the app serves: the relay, and in the worker the consumers.

With BROKER_URL set, each serving app connects (trying again every few seconds while the broker
cannot be reached), declares the topology (broker.py) and relays the outbox (relay.py); the
worker (ROLE: worker, `make worker`) also consumes for its handlers (consuming.py), and its
/readyz says whether the broker is connected. The web's does not: while the broker is away its
writes wait in the outbox, and it stays in service. On the drain, before the database closes,
the worker stops taking messages, finishes those running within GRACEFUL_TIMEOUT and closes: the
rest go back to their queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import structlog
from quart import Quart

from ..http.readiness import NotReady, add_readiness_check
from .broker import Broker
from .consuming import Consuming
from .event_metrics import observe_outbox
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
    """Relay, and in the worker consume, through BROKER_URL while serving."""
    running = Connected()
    for name in ("aiormq.connection", "aio_pika.robust_connection", "aio_pika.tools"):
        logger = logging.getLogger(name)
        if not any(isinstance(each, ReconnectingIsAWarning) for each in logger.filters):
            logger.addFilter(ReconnectingIsAWarning())

    # while_serving: stopped before the after_serving hooks close the database it uses.
    @app.while_serving
    async def connected() -> AsyncGenerator[None, None]:
        running.task = asyncio.create_task(_run(app, consumers, running))
        yield
        if running.consuming is not None:
            await running.consuming.stop(app.config["GRACEFUL_TIMEOUT"])
        running.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running.task
        if running.broker is not None:
            await running.broker.close()
        running.broker = running.consuming = running.task = None

    async def broker_ready() -> None:
        if running.broker is None or not running.broker.connection.connected.is_set():
            raise NotReady("the broker is not connected")

    if app.config["ROLE"] == "worker":
        add_readiness_check(app, "broker", broker_ready)


class ReconnectingIsAWarning(logging.Filter):
    """The broker going away is what the robust connection comes back from: a warning, not an error.

    aiormq and aio-pika log it at ERROR, which would page someone for a restart of the broker: the
    connection closed, each try to reconnect, and a channel that could not reopen on a connection
    that had closed (the connection reopens it once it is back).
    """

    MESSAGES = (
        "Unexpected connection close from remote",
        "Reconnect attempt failed",
        "error when creating transport",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        """Lower the level of those lines to WARNING; let every other line through as it is."""
        if record.levelno == logging.ERROR and (
            str(record.msg).startswith(self.MESSAGES)
            or "RobustChannel._on_close" in record.getMessage()
        ):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


async def _run(app: Quart, consumers: Consumers, running: Connected) -> None:
    url, exchange = app.config["BROKER_URL"], app.config["EVENTS_EXCHANGE"]
    while running.broker is None:
        try:
            running.broker = await Broker.connect(url, exchange, consumers, CONNECT_TIMEOUT)
        except Exception as error:
            structlog.get_logger(__name__).warning(
                "broker unreachable", reason=str(error), **await observe_outbox(consumers.metrics)
            )
            await asyncio.sleep(AWAY)
    if app.config["ROLE"] == "worker":
        # One connection of the pool is the relay's; each handler running holds another.
        concurrency = max(1, app.config["DATABASE_POOL_SIZE"] - 1)
        running.consuming = Consuming(app, running.broker, consumers, concurrency)
        await running.consuming.start()
    await relay_forever(running.broker, consumers.metrics)
