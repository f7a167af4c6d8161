"""Consumers on RabbitMQ: each message to its handler once, then acknowledged, retried or dead.

A message is acknowledged only after its handler's transaction (inbox.py) has committed, or after
it has been put in its retry or dead-letter queue with the broker's confirm: a worker killed
mid-message leaves it unacknowledged, and the broker gives it again, to find it done or to run it
again. Each queue has up to PREFETCH messages in hand. A message that cannot be one of ours (no
id, a body that is not UTF-8) is dead at once. While the database cannot be reached, a message
goes back to its queue after a pause, for this worker or another.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from functools import partial

import aio_pika
import aiormq
import structlog
from aio_pika.abc import AbstractIncomingMessage
from quart import Quart

from .broker import KEY_HEADER, REASON_HEADER, Broker
from .handlers import Handler
from .inbox import Consumers, handle
from .messages import Message

PREFETCH = 16
CANCEL_TIMEOUT = 2.0  # seconds the broker has to confirm that a consumer stopped, on the drain
PAUSE_BEFORE_REQUEUE = 1.0  # seconds, when the message could not be handled at all
MESSAGE_ID = re.compile(r"[!-~]{1,64}")


class Consuming:
    """The consumers of one broker connection, and the messages they have in hand."""

    def __init__(self, app: Quart, broker: Broker, consumers: Consumers) -> None:
        """Consume for `consumers` once started, each message in a context of `app`."""
        self.app, self.broker, self.consumers = app, broker, consumers
        self.tags: dict[str, str] = {}
        self.in_hand: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start taking messages from every consumer's queue."""
        await self.broker.channel.set_qos(prefetch_count=PREFETCH)
        for handler in self.consumers.handlers:
            name = self.broker.queue_of(handler)
            self.tags[name] = await self.broker.queues[name].consume(partial(self._take, handler))

    async def stop(self, grace: float) -> None:
        """Take no more messages; wait up to `grace` seconds for those in hand, leave the rest."""
        for name, tag in self.tags.items():
            # A broker away took its consumers with the connection: nothing to wait for there.
            with contextlib.suppress(TimeoutError, aiormq.exceptions.AMQPError):
                async with asyncio.timeout(CANCEL_TIMEOUT):  # its own waits for a reconnection
                    await self.broker.queues[name].cancel(tag)
        self.tags.clear()
        if self.in_hand:
            await asyncio.wait(self.in_hand, timeout=grace)

    async def _take(self, handler: Handler, incoming: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.in_hand.add(task)
        try:
            async with self.app.app_context():
                await self._handle(handler, incoming)
        finally:
            if task is not None:
                self.in_hand.discard(task)

    async def _handle(self, handler: Handler, incoming: AbstractIncomingMessage) -> None:
        name = self.broker.queue_of(handler)
        message = incoming_message(incoming)
        if isinstance(message, str):
            await self._dead_on_arrival(handler, incoming, message)
            return
        try:
            outcome = await handle(handler, message, self.consumers, scheduled=False)
            if outcome.state == "retry":
                await self.broker.send_to(f"{name}.retry.{outcome.attempts}", message)
            elif outcome.state == "dead":
                await self.broker.send_to(f"{name}.dead", message, outcome.reason)
        except Exception:
            structlog.get_logger(__name__).warning(
                "message not handled, back to its queue", message_id=message.id, exc_info=True
            )
            await asyncio.sleep(PAUSE_BEFORE_REQUEUE)
            await incoming.nack(requeue=True)
            return
        await incoming.ack()

    async def _dead_on_arrival(
        self, handler: Handler, incoming: AbstractIncomingMessage, reason: str
    ) -> None:
        name = self.broker.queue_of(handler)
        if self.consumers.metrics is not None:
            self.consumers.metrics.handled_by(handler.name, "dead", 0.0)
        structlog.get_logger(__name__).error(
            "message", queue=name, outcome="dead", message_id=incoming.message_id, reason=reason
        )
        copy = aio_pika.Message(incoming.body, headers={REASON_HEADER: reason})
        await self.broker.channel.default_exchange.publish(copy, routing_key=f"{name}.dead")
        await incoming.ack()


def incoming_message(incoming: AbstractIncomingMessage) -> Message | str:
    """The message `incoming` carries, or why it cannot be one of ours."""
    if not incoming.message_id or not MESSAGE_ID.fullmatch(incoming.message_id):
        return "it has no message id of 1 to 64 printable characters"
    try:
        payload = incoming.body.decode()
    except UnicodeDecodeError:
        return "its body is not UTF-8"
    headers = {
        name: value
        for name, value in (incoming.headers or {}).items()
        if isinstance(value, str) and len(value) <= 255
    }
    topic = incoming.type or incoming.routing_key or ""
    return Message(incoming.message_id, topic, payload, headers.pop(KEY_HEADER, None), headers)
