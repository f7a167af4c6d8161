"""A beat a second and a night's job in Paris, each noted as an item the tests count."""

from __future__ import annotations

from datetime import datetime, timedelta

from ....data.database import transaction
from ....events.handlers import handles
from ....events.schedules import ScheduledJob
from ...items import Item


class Beat(ScheduledJob, topic="tests.beat", every=timedelta(seconds=1)):
    """A beat a second, fired late once after a pause: the tests count one per tick."""


class Night(
    ScheduledJob, topic="tests.night", cron="0 3 * * *", zone="Europe/Paris", missed="skip"
):
    """At 03:00 in Paris, skipped when missed."""


def noted(tick: datetime) -> str:
    """The item a beat of `tick` writes: a name short enough for the tests' items."""
    return f"b{round(tick.timestamp()) % 10**9}"


@handles(Beat)
async def note_beat(job: Beat) -> None:
    """Store the beat's tick; a second store of it would break the name's uniqueness."""
    async with transaction() as session:
        session.add(Item(name=noted(job.tick)))


@handles(Night)
async def note_night(job: Night) -> None:
    """Store the night's date."""
    async with transaction() as session:
        session.add(Item(name=f"n{job.tick:%m%d}"))
