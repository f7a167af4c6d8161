"""The relay: what the outbox holds goes to the broker in order, confirmed, then leaves the outbox."""

from __future__ import annotations

import asyncio
import json
from typing import cast

import pytest
from quart import Quart

from ...data.database import apart, transaction
from ...data.turns import turn
from ...events import relay as relay_module
from ...events.broker import Broker
from ...events.messages import Message
from ...events.outbox import publish
from ...events.relay import relay
from .consumers import NOTE, broker, consuming, needs_broker, taken
from .test_messages import Shipped
from .test_without_broker import pending

__all__ = ["broker", "consuming"]


@needs_broker
async def test_committed_messages_reach_the_broker_in_order_and_leave_the_outbox(
    consuming: Quart, broker: Broker
) -> None:
    """Fifty events of one key, relayed: the queue has them in the order published."""
    async with transaction():
        for parcel in range(50):
            await publish(Shipped(parcel_id=parcel), key="one")
    assert await relay(broker) == 50
    assert await pending() == 0
    received = [await taken(broker, broker.queue_of(NOTE)) for _ in range(50)]
    assert [json.loads(message.body)["parcel_id"] for message in received if message] == list(
        range(50)
    )
    assert await relay(broker) == 0


@needs_broker
async def test_a_process_whose_turn_it_is_not_relays_nothing(
    consuming: Quart, broker: Broker
) -> None:
    """While another process relays (holds the turn), this one sends nothing; then it does."""
    async with transaction():
        await publish(Shipped(parcel_id=1))
    async with apart() as other, turn(other, "relay") as taken:
        assert taken
        assert await relay(broker) == 0
    assert await relay(broker) == 1


class Unconfirmed:
    """A broker whose first confirm never comes, as when its connection goes mid-batch."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.confirming = False

    async def publish(self, message: Message, job: bool) -> None:
        """Wait for ever the first time; confirm at once after that."""
        if not self.confirming:
            self.confirming = True
            await asyncio.Event().wait()
        self.sent.append(message.id)


async def test_a_batch_whose_confirms_never_come_is_sent_again(
    consuming: Quart, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass waits CONFIRMS_TIMEOUT for its confirms, then fails: the rows stay for the next."""
    monkeypatch.setattr(relay_module, "CONFIRMS_TIMEOUT", 0.2)
    async with transaction():
        await publish(Shipped(parcel_id=1))
    broker = Unconfirmed()
    first = asyncio.create_task(relay(cast(Broker, broker)))
    await asyncio.wait([first], timeout=10)  # a relay without a bound would wait for ever
    first.cancel()
    assert first.done()
    assert isinstance(first.exception(), TimeoutError)
    assert await pending() == 1
    assert await relay(cast(Broker, broker)) == 1
    assert await pending() == 0
    assert len(broker.sent) == 1
