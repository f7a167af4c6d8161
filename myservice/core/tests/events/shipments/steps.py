"""A handler of one item's steps, each taking its time: the tests of order per key count on it."""

from __future__ import annotations

import asyncio

from ....data.database import transaction
from ....events.handlers import handles
from ....events.messages import Event
from ...items import Item


class Stepped(Event, topic="parcel.stepped"):
    """Step `step` of parcel `parcel_id`, whose handler waits `seconds` before it writes."""

    parcel_id: int
    step: int
    seconds: float


@handles(Stepped)
async def note_step(event: Stepped) -> None:
    """Wait, then write the step: the items' ids say in which order the steps were handled."""
    await asyncio.sleep(event.seconds)
    async with transaction() as session:
        session.add(Item(name=f"s{event.parcel_id} {event.step}"))
