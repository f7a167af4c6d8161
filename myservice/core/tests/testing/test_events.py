"""published(): a test reads what its requests published, in order, committed ones only."""

from __future__ import annotations

import pytest
from quart import Quart

from ...data.database import transaction
from ...events.outbox import enqueue, publish
from ...testing.events import Published, published
from ..events.test_messages import Remind, Shipped


async def test_the_outbox_reads_in_the_order_published(app: Quart) -> None:
    """An event and a job, committed; then one rolled back, which is not there."""
    async with app.app_context():
        async with transaction():
            await publish(Shipped(parcel_id=1), key="1")
            await enqueue(Remind(parcel_id=1), delay=60)
        with pytest.raises(RuntimeError):
            await publish_then_fail()
    assert await published(app) == [
        Published("parcel.shipped", "1", {"parcel_id": 1}, job=False),
        Published("remind_customer", None, {"parcel_id": 1}, job=True),
    ]


async def publish_then_fail() -> None:
    """Publish in a transaction that fails."""
    async with transaction():
        await publish(Shipped(parcel_id=2))
        raise RuntimeError("rolled back")
