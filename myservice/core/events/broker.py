"""RabbitMQ, through aio-pika: the exchanges, one queue per consumer, its retries and dead letters.

Events go to the topic exchange EVENTS_EXCHANGE (`events`), shared by the services of a broker,
with their topic as routing key; jobs go to `events.<service>.jobs`, which only the service's
own queues are bound to. Each consumer has a durable queue, `events.<service>.<handler>`, bound to
its topic (another EVENTS_EXCHANGE keeps two environments on one broker apart), with a single
active consumer: one process of all the workers and replicas takes its messages at a time, in
order, and another takes over if it goes (consuming.py keeps each key's order within it). A
message that failed waits in `<queue>.retry.<n>` for EVENTS_RETRY_DELAY x 2^(n-1) seconds (each a
queue of one delay, so that no short wait is stuck behind a long one), then goes back to the
queue; a dead one goes to `<queue>.dead`. Whoever connects declares all of it, so that a job is
never published before its queue exists. Publishing waits for the broker's confirm; a retry or a
dead letter is published mandatory, so that one the broker cannot route is an error rather than a
silent drop. The connection comes back by itself after the broker went away (connect_robust).
"""

from __future__ import annotations

import re

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from ..identity import SERVICE
from .handlers import Handler
from .inbox import Consumers, Retries
from .messages import Message

KEY_HEADER = "x-key"
REASON_HEADER = "x-dead-reason"
SINGLE_ACTIVE_CONSUMER = "x-single-active-consumer"
MESSAGE_ID = re.compile(r"[!-~]{1,64}")


class QueueArgumentsError(Exception):
    """A consumer's queue exists with other arguments than this version declares."""


class Broker:
    """A connection to RabbitMQ with the service's topology declared, for the relay and consumers."""

    def __init__(
        self, connection: AbstractRobustConnection, channel: AbstractChannel, exchange: str
    ) -> None:
        """Use `channel` of `connection`, opened with publisher confirms, and `exchange`'s names."""
        self.connection = connection
        self.channel = channel
        self.exchange = exchange
        self.exchanges: dict[bool, AbstractExchange] = {}
        self.queues: dict[str, AbstractQueue] = {}

    @classmethod
    async def connect(
        cls, url: str, exchange: str, consumers: Consumers, connect_timeout: float
    ) -> Broker:
        """Connect, and declare the exchanges and every consumer's queues."""
        connection = await aio_pika.connect_robust(url, timeout=connect_timeout)
        try:
            # on_return_raises: a mandatory message the broker cannot route fails its publish.
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            broker = cls(connection, channel, exchange)
            await broker._declare(consumers.handlers, consumers.retries)
        except BaseException:
            await connection.close()  # or it would come back by itself, and again, for ever
            raise
        return broker

    def queue_of(self, handler: Handler) -> str:
        """The queue of a consumer: events.<service>.<handler>."""
        return f"{self.exchange}.{SERVICE}.{handler.name}"

    async def _declare(self, handlers: list[Handler], retries: Retries) -> None:
        for job, name in ((False, self.exchange), (True, f"{self.exchange}.{SERVICE}.jobs")):
            self.exchanges[job] = await self.channel.declare_exchange(
                name, aio_pika.ExchangeType.TOPIC, durable=True
            )
        for handler in handlers:
            name = self.queue_of(handler)
            queue = await self._consumers_queue(name)
            await queue.bind(self.exchanges[handler.model.job], routing_key=handler.topic)
            self.queues[name] = queue
            for attempt in range(1, retries.max_attempts):
                await self.channel.declare_queue(
                    f"{name}.retry.{attempt}",
                    durable=True,
                    arguments={
                        "x-message-ttl": retries.delay_ms(attempt),
                        "x-dead-letter-exchange": "",
                        "x-dead-letter-routing-key": name,
                    },
                )
            await self.channel.declare_queue(f"{name}.dead", durable=True)

    async def _consumers_queue(self, name: str) -> AbstractQueue:
        try:
            return await self.channel.declare_queue(
                name, durable=True, arguments={SINGLE_ACTIVE_CONSUMER: True}
            )
        except aiormq.exceptions.ChannelPreconditionFailed as error:
            raise QueueArgumentsError(
                f"the queue {name} was declared by an earlier version, without a single active"
                " consumer: docs/upgrading.md says how to move over; the outbox keeps the events"
                " meanwhile"
            ) from error

    async def publish(self, message: Message, job: bool) -> None:
        """Send `message` to the exchange of its kind; return once the broker has confirmed it.

        Not mandatory: an event no consumer listens to yet is dropped, as a topic exchange does.
        """
        await self.exchanges[job].publish(
            outgoing(message), routing_key=message.topic, mandatory=False
        )

    async def send_to(
        self, queue: str, incoming: AbstractIncomingMessage, reason: str | None = None
    ) -> None:
        """Put a copy of `incoming` into `queue` (a retry or dead-letter queue), confirmed.

        The copy keeps the message's id, headers and properties, and is persistent; `reason`
        goes in the x-dead-reason header. A queue that is not there is an error (PublishError).
        """
        headers = {**(incoming.headers or {}), **({REASON_HEADER: reason} if reason else {})}
        copy = aio_pika.Message(
            incoming.body,
            headers=headers,
            content_type=incoming.content_type,
            content_encoding=incoming.content_encoding,
            message_id=incoming.message_id,
            type=incoming.type,
            correlation_id=incoming.correlation_id,
            timestamp=incoming.timestamp,
            app_id=incoming.app_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await self.channel.default_exchange.publish(copy, routing_key=queue, mandatory=True)

    async def close(self) -> None:
        """Close the channel and the connection: messages not acknowledged go back to their queues."""
        await self.connection.close()


def outgoing(message: Message) -> aio_pika.Message:
    """The AMQP message of `message`: persistent, its id, topic and key in the properties."""
    headers: dict[str, str] = dict(message.headers)
    if message.key is not None:
        headers[KEY_HEADER] = message.key
    return aio_pika.Message(
        message.payload.encode(),
        message_id=message.id,
        type=message.topic,
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers=headers,  # type: ignore[arg-type]
    )


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
