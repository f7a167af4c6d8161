"""Handlers of the tests' events, writing the tests' items."""

from __future__ import annotations

import structlog

from ....data.database import transaction
from ....events.handlers import handles
from ...items import Item
from ..test_messages import Shipped

# How many times flaky_note fails before it succeeds; set by a test.
failures = {"left": 0}


@handles(Shipped)
async def note_shipment(event: Shipped) -> None:
    """Store an item named after the parcel, and say so: the effect a test counts."""
    async with transaction() as session:
        session.add(Item(name=f"parcel {event.parcel_id}"))
    structlog.get_logger().info("parcel noted", parcel_id=event.parcel_id)


@handles(Shipped)
async def flaky_note(event: Shipped) -> None:
    """Fail while failures["left"] says so, writing first: a failure must roll the write back."""
    async with transaction() as session:
        session.add(Item(name=f"flaky {event.parcel_id}"))
        await session.flush()
        if failures["left"] > 0:
            failures["left"] -= 1
            raise ConnectionError("the mail server hung up")
