"""One look at the schedules: each new tick fired once, its row moved on with it, or neither.

A look opens a transaction and takes the turn "schedules" (data/turns.py); for each scheduled job,
it reads the schedule's row (the last tick fired, and the schedule it was fired by), stores the
job in the outbox and moves the row on: both commit together, or neither does, whatever crashes
where. The job's message id is made of its topic and tick, so that the inbox would take it once
even fired twice. A schedule seen for the first time, or changed since its row was written,
starts at its latest tick, firing none before. A tick is on time while at most GRACE old; one
missed is fired late, or skipped, as the schedule says (schedules.py). Each firing is counted in
/metrics and logged in one line.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import structlog
from sqlalchemy import BigInteger, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..data.database import transaction
from ..data.outages import DatabaseUnavailable
from ..data.tables import Base, milliseconds
from ..data.turns import turn
from ..identity import SERVICE
from .event_metrics import EventMetrics
from .messages import TOPIC_LENGTH
from .outbox import store
from .schedules import ScheduledJob

GRACE = timedelta(minutes=1)  # a tick fired later than this after it was due was missed
Kind = Literal["on_time", "late", "skipped"]
log = structlog.get_logger(__name__)


class ScheduleState(Base):
    """The last tick of a schedule fired (or skipped), and the schedule, in words, it was of."""

    __tablename__ = "schedules"

    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH), primary_key=True)
    schedule: Mapped[str] = mapped_column(String(255))
    last_tick: Mapped[int] = mapped_column(BigInteger)  # milliseconds since the epoch


@dataclass(frozen=True)
class Firing:
    """A tick of a schedule, and how it went: fired on time, fired late, or skipped."""

    topic: str
    tick: datetime
    kind: Kind
    message_id: str | None = None


@dataclass(frozen=True)
class Look:
    """What one look fired; whether it had the turn, and whether every job it looked at fired."""

    firings: list[Firing] = field(default_factory=list)
    had_turn: bool = True
    none_failed: bool = True


@dataclass(frozen=True)
class Scheduler:
    """The app's scheduled jobs, and the metrics their firings are counted in."""

    jobs: tuple[type[ScheduledJob], ...]
    metrics: EventMetrics | None = None


async def fire_due(scheduler: Scheduler, now: datetime) -> Look:
    """In one transaction and turn, fire each schedule's new tick; then count and log them.

    Each job in a savepoint of its own: one that fails is logged and looked at again next time,
    and the others fire.
    """
    async with transaction() as session, turn(session, "schedules") as mine:
        if not mine:
            return Look(had_turn=False)  # another process fires now
        firings, none_failed = [], True
        for job in scheduler.jobs:
            try:
                async with session.begin_nested():
                    firing = await _fire(session, job, now)
            except DatabaseUnavailable:
                raise  # the database's, not the job's: the look fails, and is tried again
            except Exception:
                log.exception("a scheduled job could not be fired", topic=job.topic)
                none_failed = False
                continue
            if firing is not None:
                firings.append(firing)
    for firing in firings:
        _tell(scheduler, firing, now)
    return Look(firings, none_failed=none_failed)


async def _fire(session: AsyncSession, job: type[ScheduledJob], now: datetime) -> Firing | None:
    """Fire `job`'s latest tick, if no process has, and move its row on to it.

    A row of no schedule, or of another schedule than the job's now, starts at the latest tick
    without firing it: a schedule changed to 04:00 at 10:00 must not fire at once.
    """
    schedule = job.schedule
    latest, words = schedule.latest(now), schedule.describe()
    state = await session.get(ScheduleState, job.topic, with_for_update=True)
    if state is None:
        session.add(ScheduleState(topic=job.topic, schedule=words, last_tick=milliseconds(latest)))
        return None
    if state.schedule != words:
        log.info("schedule changed", topic=job.topic, was=state.schedule, now=words)
        state.schedule, state.last_tick = words, milliseconds(latest)
        return None
    last = datetime.fromtimestamp(state.last_tick / 1000, UTC)
    if latest <= last:
        return None
    state.last_tick = milliseconds(latest)
    fresh = now - latest <= GRACE
    if schedule.missed == "skip" and not fresh:
        return Firing(job.topic, latest, "skipped")
    # Ticks before the latest never fired: fired now as one, late, or skipped for good.
    missed = schedule.missed == "once" and schedule.after(last) < latest
    name = f"{SERVICE}:schedules/{job.topic}/{latest.isoformat()}"
    message_id = uuid.uuid5(uuid.NAMESPACE_URL, name).hex
    store(job(tick=latest), key=None, delay=0, message_id=message_id)
    return Firing(job.topic, latest, "on_time" if fresh and not missed else "late", message_id)


def _tell(scheduler: Scheduler, firing: Firing, now: datetime) -> None:
    """One line and one count per firing; a late or skipped one is a warning."""
    if scheduler.metrics is not None:
        scheduler.metrics.scheduled.labels(firing.topic, firing.kind).inc()
    log.log(
        logging.INFO if firing.kind == "on_time" else logging.WARNING,
        "scheduled job skipped" if firing.kind == "skipped" else "scheduled job fired",
        topic=firing.topic,
        tick=firing.tick.isoformat(),
        firing=firing.kind,
        late_ms=round((now - firing.tick).total_seconds() * 1000),
        message_id=firing.message_id,
    )
