"""The relay: what the outbox holds goes to the broker in order, confirmed, then leaves the outbox."""

from __future__ import annotations

import json

from quart import Quart
from sqlalchemy import text

from ...data.database import database, transaction
from ...data.url import is_sqlite
from ...events.broker import Broker
from ...events.outbox import publish
from ...events.relay import RELAY_LOCK, relay
from .consumers import NOTE, broker, consuming, needs_broker, taken
from .test_delivery import pending
from .test_messages import Shipped

__all__ = ["broker", "consuming"]
pytestmark = needs_broker


async def test_committed_messages_reach_the_broker_in_order_and_leave_the_outbox(
    consuming: Quart, broker: Broker
) -> None:
    """Fifty events of one key, relayed: the queue has them in the order published."""
    async with transaction():
        for parcel in range(50):
            await publish(Shipped(parcel_id=parcel), key="one")
    sqlite = is_sqlite(consuming.config["DATABASE_URL"])
    assert await relay(broker, sqlite) == 50
    assert await pending() == 0
    received = [await taken(broker, broker.queue_of(NOTE)) for _ in range(50)]
    assert [json.loads(message.body)["parcel_id"] for message in received if message] == list(
        range(50)
    )
    assert await relay(broker, sqlite) == 0


async def test_a_replica_that_does_not_hold_the_lock_relays_nothing(
    consuming: Quart, broker: Broker
) -> None:
    """On PostgreSQL, while another replica holds the relay's lock, this one waits its turn."""
    if is_sqlite(consuming.config["DATABASE_URL"]):
        return  # one process per SQLite file: no replicas to take turns
    async with transaction():
        await publish(Shipped(parcel_id=1))
    async with database().engine.begin() as other:
        await other.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": RELAY_LOCK})
        assert await relay(broker, sqlite=False) == 0
    assert await relay(broker, sqlite=False) == 1
