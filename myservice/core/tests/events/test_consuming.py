"""Consumers on RabbitMQ: done once, retried through the retry queue, dead-lettered with the reason."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aio_pika
import pytest
from quart import Quart

from ...events.broker import REASON_HEADER, Broker
from ...events.consuming import Consuming, settle
from ...events.messages import Message
from .consumers import (
    CONSUMERS,
    FLAKY,
    NOTE,
    broker,
    consuming,
    eventually,
    failures,
    items,
    needs_broker,
    taken,
)

__all__ = ["broker", "consuming"]
pytestmark = needs_broker
SHIPPED = Message("m1", "parcel.shipped", '{"parcel_id": 1}')


@pytest.fixture
async def running(consuming: Quart, broker: Broker) -> AsyncIterator[Consuming]:
    """The consumers of CONSUMERS taking messages from the test's queues."""
    consumers = Consuming(consuming, broker, CONSUMERS)
    await consumers.start()
    yield consumers
    await consumers.stop(grace=5)


async def test_a_message_sent_twice_takes_effect_once(running: Consuming, broker: Broker) -> None:
    """The same message id twice (a relay that published again): one item per consumer."""
    await broker.publish(SHIPPED, job=False)
    await broker.publish(SHIPPED, job=False)
    await eventually(items, lambda stored: len(stored) == 2)
    await asyncio.sleep(0.3)
    assert sorted(await items()) == ["flaky 1", "parcel 1"]


async def test_a_failure_waits_in_the_retry_queue_then_succeeds(
    running: Consuming, broker: Broker
) -> None:
    """One failure: the message comes back after EVENTS_RETRY_DELAY, and is done on the second try."""
    failures["left"] = 1
    await broker.publish(SHIPPED, job=False)

    started = time.monotonic()
    assert "flaky 1" in await eventually(items, lambda stored: "flaky 1" in stored)
    assert time.monotonic() - started >= 0.9


@pytest.mark.parametrize(
    ("body", "message_id", "reason"),
    [
        (b'{"parcel_id": "x"}', "m2", "does not validate as Shipped"),
        (b"\xff\xfe", "m3", "its body is not UTF-8"),
        (b'{"parcel_id": 1}', "m" * 65, "no message id of 1 to 64"),
    ],
)
async def test_poison_is_dead_lettered_at_once_whole_and_durable(
    running: Consuming, broker: Broker, body: bytes, message_id: str, reason: str
) -> None:
    """Not valid, not text, or an id too long: dead at once, with its reason, id and headers."""
    message = aio_pika.Message(
        body,
        message_id=message_id,
        content_type="application/json",
        headers={"x-request-id": "r9", "x-key": "7"},
    )
    await broker.exchanges[False].publish(message, routing_key="parcel.shipped")
    dead_queue = f"{broker.queue_of(NOTE)}.dead"
    dead = await eventually(lambda: taken(broker, dead_queue), lambda taken: taken is not None)
    assert dead is not None
    assert reason in str((dead.headers or {})[REASON_HEADER])
    assert (dead.body, dead.message_id, dead.content_type) == (body, message_id, "application/json")
    assert {"x-request-id": "r9", "x-key": "7"}.items() <= (dead.headers or {}).items()
    assert dead.delivery_mode == aio_pika.DeliveryMode.PERSISTENT  # it outlives a broker restart
    assert await items() == []


async def test_a_retry_the_broker_cannot_route_is_not_acknowledged(
    running: Consuming, broker: Broker
) -> None:
    """Its retry queue deleted: the failed message goes back to its queue, and is done later."""
    await broker.channel.queue_delete(f"{broker.queue_of(FLAKY)}.retry.1")
    failures["left"] = 1
    await broker.publish(SHIPPED, job=False)
    assert "flaky 1" in await eventually(items, lambda stored: "flaky 1" in stored)


async def test_an_acknowledgement_lost_with_the_connection_is_a_warning(broker: Broker) -> None:
    """The channel closed before the ack: no error rises; the broker gives the message again."""
    await broker.publish(SHIPPED, job=False)
    queue = await broker.channel.declare_queue(broker.queue_of(NOTE), passive=True)
    message = await eventually(lambda: queue.get(fail=False), lambda got: got is not None)
    assert message is not None
    await broker.channel.close()
    await settle(message.ack())
    await broker.channel.reopen()
    again = await eventually(lambda: taken(broker, broker.queue_of(NOTE)), bool)
    assert again is not None
    assert again.message_id == "m1"
