"""What a test reads of the events its requests published: the outbox, as it stands.

    assert [event.topic for event in await published(app)] == ["refunds.created"]

In tests nothing delivers by itself, so the outbox holds every message published since the
test began until `await deliver(app)` hands them to the consumers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from quart import Quart
from sqlalchemy import select

from ..data.database import reading
from ..events.outbox import OutboxMessage


@dataclass(frozen=True)
class Published:
    """A message in the outbox: its topic, key, body, and whether it is a job."""

    topic: str
    key: str | None
    payload: dict[str, Any]
    job: bool


async def published(app: Quart) -> list[Published]:
    """The messages of the outbox, oldest first: published, committed, not yet delivered."""
    async with app.app_context(), reading() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [Published(row.topic, row.key, json.loads(row.payload), row.job) for row in rows]
