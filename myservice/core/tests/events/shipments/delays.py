"""A handler that takes its time, for the tests that stop a worker in the middle of one."""

from __future__ import annotations

import asyncio

from ....data.database import transaction
from ....events.handlers import handles
from ....events.messages import Event
from ...items import Item


class Delayed(Event, topic="parcel.delayed"):
    """A parcel whose note takes `seconds` to write."""

    parcel_id: int
    seconds: float


@handles(Delayed)
async def note_after_a_while(event: Delayed) -> None:
    """Write, wait, then commit: a worker killed meanwhile leaves nothing written."""
    async with transaction() as session:
        session.add(Item(name=f"delayed {event.parcel_id}"))
        await session.flush()
        await asyncio.sleep(event.seconds)
