"""The topology on RabbitMQ: a queue per consumer bound to its topic; messages persistent, confirmed."""

from __future__ import annotations

import json
import uuid

import aio_pika
import pytest

from ...events.broker import Broker, QueueArgumentsError
from ...events.messages import Message
from ...identity import SERVICE
from .consumers import BROKER, FLAKY, NOTE, TOPOLOGY, broker, needs_broker, taken

__all__ = ["broker"]
pytestmark = needs_broker


async def test_a_published_event_reaches_each_consumers_queue_with_its_properties(
    broker: Broker,
) -> None:
    """Topic, id, key and request id travel in the message's properties; it is persistent."""
    message = Message(
        "m1", "parcel.shipped", '{"parcel_id": 1}', "parcel-1", {"x-request-id": "r1"}
    )
    await broker.publish(message, job=False)
    for queue in (broker.queue_of(NOTE), broker.queue_of(FLAKY)):
        received = await taken(broker, queue)
        assert received is not None
        assert (received.message_id, received.type) == ("m1", "parcel.shipped")
        assert json.loads(received.body) == {"parcel_id": 1}
        assert received.headers == {"x-request-id": "r1", "x-key": "parcel-1"}
        assert received.delivery_mode == 2


async def test_an_event_of_another_topic_reaches_no_queue(broker: Broker) -> None:
    """Each queue is bound to its consumer's topic only."""
    await broker.publish(Message("m2", "parcel.lost", "{}"), job=False)
    assert await taken(broker, broker.queue_of(NOTE)) is None


async def test_a_job_goes_through_the_services_own_exchange(broker: Broker) -> None:
    """An event's consumers take nothing published as a job of the same topic."""
    await broker.publish(Message("m3", "parcel.shipped", "{}"), job=True)
    assert await taken(broker, broker.queue_of(NOTE)) is None


async def test_a_queue_an_earlier_version_declared_is_named_with_the_way_out() -> None:
    """A consumer's queue without a single active consumer: one error naming it and the doc."""
    exchange = f"test_{uuid.uuid4().hex[:12]}"
    old = f"{exchange}.{SERVICE}.{NOTE.name}"
    earlier = await aio_pika.connect(BROKER or "")
    channel = await earlier.channel()
    await channel.declare_queue(old, durable=True)
    try:
        with pytest.raises(QueueArgumentsError) as raised:
            await Broker.connect(BROKER or "", exchange, TOPOLOGY, connect_timeout=5)
        assert f"the queue {old} was declared by an earlier version" in str(raised.value)
        assert "docs/upgrading.md" in str(raised.value)
    finally:
        await channel.queue_delete(old)
        await earlier.close()
