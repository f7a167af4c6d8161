"""Delivery without a broker: the outbox is the queue, and the app hands it to its consumers.

(With BROKER_URL set, through_broker.py relays and consumes instead.)

With BROKER_URL unset (the default, so that `make run` needs nothing installed), the serving apps
take turns (data/turns.py) at the outbox: one at a time hands every due message, in the order written,
to the handlers of its topic in the process (inbox.py runs each once). A message leaves the outbox once every handler
is done with it or has given up on it; one to be tried again waits there until its retry is due.
A message of a topic no handler here takes has no one to go to, and is dropped; a service with
no handlers at all runs no loop, and its messages wait in the outbox for a broker. In tests the
loop does not run: `await deliver(app)` delivers what is due, when the test says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

import structlog
from quart import Quart
from sqlalchemy import delete, update

from ..data.database import apart, transaction
from ..data.turns import turn
from ..identity import StartupError
from ..observability.metrics import EXTENSION_KEY as METRICS_KEY
from ..observability.metrics import RequestMetrics
from ..observability.tracing import tracing_of
from ..serving_tasks import repeat, run_while_serving
from . import through_broker
from .event_metrics import EventMetrics, OutboxWatch, left_outbox
from .handlers import Handler, handlers_of
from .inbox import Consumers, Retries, handle
from .inbox_entries import Outcome
from .outbox import OutboxMessage, due_messages
from .relay import AWAY

EXTENSION_KEY = __name__
BATCH = 100  # messages read from the outbox at a time
POLL_INTERVAL = 0.2  # seconds between two looks at an outbox that had nothing due
log = structlog.get_logger(__name__)


def init_app(app: Quart, handlers: list[Handler]) -> None:
    """Keep the handlers on the app; without a broker, deliver to them while serving."""
    recorder: RequestMetrics = app.extensions[METRICS_KEY]
    app.extensions[EXTENSION_KEY] = Consumers(
        handlers,
        Retries(app.config["EVENTS_MAX_ATTEMPTS"], app.config["EVENTS_RETRY_DELAY"]),
        EventMetrics.on(recorder.registry),
        tracing_of(app),
    )
    if app.config["BROKER_URL"] is not None:
        through_broker.init_app(app, app.extensions[EXTENSION_KEY])
        return
    if app.config["TESTING"]:
        return
    if app.config["ROLE"] == "worker":
        raise StartupError(
            "ROLE worker consumes from a broker, and BROKER_URL is not set: set it; without a"
            " broker the web's own processes deliver the events, and no worker is needed"
        )
    if not handlers:
        return

    run_while_serving(app, lambda: _deliver_now_and_then(app))


async def deliver(app: Quart) -> list[Outcome]:
    """Hand each message of the outbox due now to the handlers of its topic; what became of it."""
    async with app.app_context():
        return await _deliver(app.extensions[EXTENSION_KEY])


async def _deliver(consumers: Consumers) -> list[Outcome]:
    # The turn is held for the whole pass (data/turns.py): one process of all those on the database
    # hands the outbox over at a time, so that none handles a message another one is handling.
    async with apart() as session, turn(session, "delivery") as mine:
        if not mine:
            return []
        return await _hand_over((await session.scalars(due_messages(BATCH))).all(), consumers)


async def _hand_over(rows: Sequence[OutboxMessage], consumers: Consumers) -> list[Outcome]:
    outcomes: list[Outcome] = []
    delivered: list[str] = []
    for row in rows:
        message = row.message()
        results = [
            await handle(handler, message, consumers)
            for handler in handlers_of(consumers.handlers, row.topic)
        ]
        outcomes.extend(results)
        later = [result.next_at for result in results if result.next_at is not None]
        async with transaction() as session:
            this = OutboxMessage.id == row.id
            if later:
                await session.execute(
                    update(OutboxMessage).where(this).values(available_at=min(later))
                )
            else:
                await session.execute(delete(OutboxMessage).where(this))
                delivered.append(row.topic)
    if rows:
        await left_outbox(consumers.metrics, delivered)
    return outcomes


async def _deliver_now_and_then(app: Quart) -> NoReturn:
    watch = OutboxWatch(app.extensions[EXTENSION_KEY].metrics)

    async def one_pass() -> bool:
        outcomes = await deliver(app)
        await watch.now_and_then()
        return any(outcome.state != "waiting" for outcome in outcomes)

    async def failed(error: BaseException) -> None:
        # The message stays first in the outbox, to be tried again.
        log.warning("the outbox could not be delivered", exc_info=error)

    await repeat(one_pass, POLL_INTERVAL, failed, AWAY)
