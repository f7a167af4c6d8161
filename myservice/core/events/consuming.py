"""Consumers on RabbitMQ: each message to its handler once, then acknowledged, retried or dead.

A message is acknowledged only once it is done (its handler's transaction, inbox.py, committed),
or in its retry or dead-letter queue with the broker's confirm: a worker killed mid-message
leaves it unacknowledged, and the broker gives it again, to find it done or to run it again.

The broker gives each consumer's queue to one process at a time (broker.py), in the order
published. Here, messages of one key run one at a time, in the order they came; other keys, and
messages without one, run beside them, up to `concurrency` handlers at once: each handler holds a
database connection for its transaction, so the worker runs no more of them than its pool has
connections to spare, and no message waits for a connection it cannot get. While the database
is away (or even the failure cannot be recorded), a message stays in hand and is tried again
after a pause, keeping its place before the next ones of its key. A message that cannot be one of ours
(no id, a body that is not UTF-8) is dead at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from functools import partial

import aiormq
import structlog
from aio_pika.abc import AbstractIncomingMessage
from quart import Quart
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ..data.outages import DatabaseUnavailable
from .broker import KEY_HEADER, Broker, incoming_message
from .handlers import Handler
from .inbox import Consumers, handle
from .inbox_entries import Outcome
from .messages import Message

CANCEL_TIMEOUT = 2.0  # seconds the broker has to confirm that a consumer stopped, on the drain
PAUSE = 1.0  # seconds before a message that could not be handled at all is tried again
LONGEST_PAUSE = 8.0
log = structlog.get_logger(__name__)


class Consuming:
    """The consumers of one broker connection, and the messages they have in hand."""

    def __init__(
        self, app: Quart, broker: Broker, consumers: Consumers, concurrency: int = 4
    ) -> None:
        """Consume for `consumers` once started, `concurrency` handlers at once at most."""
        self.app, self.broker, self.consumers = app, broker, consumers
        self.concurrency = concurrency
        self.slots = asyncio.Semaphore(concurrency)
        self.tags: dict[str, str] = {}
        self.in_hand: set[asyncio.Task[None]] = set()
        # The last message taken of each (queue, key): the next of that key waits for it.
        self.last_of_key: dict[tuple[str, str], asyncio.Future[None]] = {}
        self.stopping = False

    async def start(self) -> None:
        """Start taking messages from every consumer's queue."""
        # Enough in hand to keep every handler busy, and no more: the rest wait in the broker.
        await self.broker.channel.set_qos(prefetch_count=self.concurrency)
        for handler in self.consumers.handlers:
            name = self.broker.queue_of(handler)
            self.tags[name] = await self.broker.queues[name].consume(partial(self._take, handler))

    async def stop(self, grace: float) -> None:
        """Take no more messages; wait up to `grace` seconds for those running, leave the rest."""
        self.stopping = True
        for name, tag in self.tags.items():
            # A broker away took its consumers with the connection: nothing to wait for there.
            with contextlib.suppress(TimeoutError, aiormq.exceptions.AMQPError):
                async with asyncio.timeout(CANCEL_TIMEOUT):  # its own waits for a reconnection
                    await self.broker.queues[name].cancel(tag)
        self.tags.clear()
        if self.in_hand:
            await asyncio.wait(self.in_hand, timeout=grace)

    async def _take(self, handler: Handler, incoming: AbstractIncomingMessage) -> None:
        queue = self.broker.queue_of(handler)
        key = (incoming.headers or {}).get(KEY_HEADER)
        lane = (queue, str(key)) if key is not None else None
        # Before any await, so that the messages of a key line up in the order they came.
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        before = self._line_up(lane, mine)
        task = asyncio.current_task()
        if task is not None:
            self.in_hand.add(task)
        try:
            if before is not None:
                await before
            async with self.slots:
                if self.stopping:
                    return  # not started: back to its queue, in its place, as the channel closes
                async with self.app.app_context():
                    await self._handle(handler, queue, incoming)
        finally:
            mine.set_result(None)
            if lane is not None and self.last_of_key.get(lane) is mine:
                del self.last_of_key[lane]
            if task is not None:
                self.in_hand.discard(task)

    def _line_up(
        self, lane: tuple[str, str] | None, mine: asyncio.Future[None]
    ) -> asyncio.Future[None] | None:
        """The message of the same key to wait for, if any; `mine` is the next one's to wait for."""
        if lane is None:
            return None
        before = self.last_of_key.get(lane)
        self.last_of_key[lane] = mine
        return before

    async def _handle(
        self, handler: Handler, queue: str, incoming: AbstractIncomingMessage
    ) -> None:
        message = incoming_message(incoming)
        if isinstance(message, str):
            self._dead_on_arrival(handler, queue, incoming, message)
            outcome: Outcome | None = Outcome("dead", reason=message)
        else:
            outcome = await self._outcome(handler, message)
        if outcome is None:
            return  # told to stop: left unacknowledged, the broker gives it again
        try:
            if outcome.state == "retry":
                await self.broker.send_to(f"{queue}.retry.{outcome.attempts}", incoming)
            elif outcome.state == "dead":
                await self.broker.send_to(f"{queue}.dead", incoming, outcome.reason)
        except Exception:
            # Not acknowledged: back to its queue, where its inbox record goes on counting.
            log.warning(
                "message not moved, back to its queue",
                message_id=incoming.message_id,
                exc_info=True,
            )
            await asyncio.sleep(PAUSE)
            await settle(incoming.nack(requeue=True))
            return
        await settle(incoming.ack())

    async def _outcome(self, handler: Handler, message: Message) -> Outcome | None:
        """Handle `message`, again after a pause while that fails; None once told to stop.

        The pause doubles, up to LONGEST_PAUSE, while the failures go on.
        """
        pause = PAUSE
        while True:
            try:
                return await handle(handler, message, self.consumers, scheduled=False)
            except (DatabaseUnavailable, PoolTimeoutError) as error:
                log.warning(
                    "the database is away: message kept, tried again",
                    message_id=message.id,
                    reason=str(error),
                    seconds=pause,
                )
            except Exception:
                log.warning(
                    "message not handled, tried again", message_id=message.id, exc_info=True
                )
            if self.stopping:
                return None
            await asyncio.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)

    def _dead_on_arrival(
        self, handler: Handler, queue: str, incoming: AbstractIncomingMessage, reason: str
    ) -> None:
        if self.consumers.metrics is not None:
            self.consumers.metrics.handled_by(handler.name, "dead", 0.0)
        log.error(
            "message", queue=queue, outcome="dead", message_id=incoming.message_id, reason=reason
        )


async def settle(settling: Awaitable[None]) -> None:
    """Acknowledge or give back; with the connection gone, the broker gives the message again.

    Which is no loss: the inbox takes it once. Not an error either: the connection comes back.
    """
    try:
        await settling
    except (
        aiormq.exceptions.AMQPError,
        aiormq.exceptions.ChannelInvalidStateError,
        OSError,
    ) as error:
        log.warning(
            "the broker went away before it heard back: it gives the message again",
            reason=repr(error),
        )
