"""The relay: committed messages from the outbox to the broker, in order, each confirmed.

In one transaction it reads the due messages, oldest first, publishes them on one channel (in
the order sent), waits for every confirm, then deletes them: a message leaves the outbox only
once the broker has it. A crash between the confirm and the commit publishes it again, which the
consumers' inbox takes once. The processes and replicas take turns (data/turns.py), so that one relays
at a time: no message is sent twice by two of them, and those of a key stay in order.
While the broker or the database is away, each try says so in the log, with how many messages
wait in the outbox and for how long, which /metrics has too.
"""

from __future__ import annotations

import asyncio
from typing import NoReturn

import aiormq
import structlog
from sqlalchemy import delete

from ..data.database import transaction
from ..data.turns import turn
from ..serving_tasks import repeat
from .broker import Broker
from .event_metrics import EventMetrics, OutboxWatch, left_outbox, observe_outbox
from .outbox import OutboxMessage, due_messages

BATCH = 200
INTERVAL = 0.1  # seconds between two looks at an outbox that had nothing due
AWAY = 2.0  # seconds before trying again once the broker or the database failed
# Seconds a batch's confirms may take: a confirm lost with its connection fails the pass, and
# the batch goes again, rather than holding the relay (and the outbox's rows) for ever.
CONFIRMS_TIMEOUT = 15.0
# What the broker going away raises: said in a line, without a traceback, every AWAY.
AWAY_ERRORS = (
    aiormq.exceptions.AMQPError,
    aiormq.exceptions.ChannelInvalidStateError,
    asyncio.CancelledError,
    ConnectionError,
)


async def relay(broker: Broker, metrics: EventMetrics | None = None) -> int:
    """Publish the due messages of the outbox and delete them; how many there were."""
    async with transaction() as session, turn(session, "relay") as mine:
        if not mine:
            return 0  # another process relays now
        rows = (await session.scalars(due_messages(BATCH))).all()
        if rows:
            async with asyncio.timeout(CONFIRMS_TIMEOUT):
                await asyncio.gather(*(broker.publish(row.message(), row.job) for row in rows))
            sent = [row.id for row in rows]
            await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(sent)))
    if rows:
        await left_outbox(metrics, [row.topic for row in rows])
    return len(rows)


async def relay_forever(broker: Broker, metrics: EventMetrics | None) -> NoReturn:
    """Relay until cancelled; through a broker or database away, trying again every AWAY."""
    watch = OutboxWatch(metrics)

    async def one_pass() -> bool:
        sent = await relay(broker, metrics)
        await watch.now_and_then()
        return sent == BATCH

    async def failed(error: BaseException) -> None:
        # The rows stay. The broker away needs no traceback.
        structlog.get_logger(__name__).warning(
            "the outbox could not be relayed",
            reason=repr(error),
            **await observe_outbox(metrics),
            exc_info=not isinstance(error, AWAY_ERRORS),
        )

    await repeat(one_pass, INTERVAL, failed, AWAY)
