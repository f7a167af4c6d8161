"""The scheduler: each tick of each schedule fired once, however many processes and replicas run.

The processes that deliver fire (with a broker, the workers; without one, the serving apps), each
looking every second. A look that sees a new tick opens a transaction, takes the turn
"schedules" (turns.py), reads the schedule's row (the last tick fired), stores the job in the
outbox and moves the row on: both commit together, or neither does, whatever crashes where.
The job's message id is made of its topic and tick, so that the inbox would take it once even
fired twice. A schedule seen for the first time starts at its latest tick, firing none before.
A tick is on time while less than GRACE old; one missed is fired late or skipped, as the
schedule says (schedules.py). Each firing is counted in /metrics and logged in one line.
In tests nothing fires by itself: `await fire_schedules(app, now)` fires what is due at `now`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, NoReturn

import structlog
from pydantic import ValidationError
from quart import Quart
from sqlalchemy import BigInteger, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..data.database import transaction
from ..data.tables import Base
from ..identity import SERVICE, StartupError
from ..serving_tasks import repeat, run_while_serving
from .event_metrics import EventMetrics
from .handlers import Handler
from .messages import TOPIC_LENGTH
from .outbox import store
from .relay import AWAY
from .schedules import EPOCH, ScheduledJob, schedule_of
from .turns import turn

EXTENSION_KEY = __name__
LOOK_EVERY = 1.0  # seconds between two looks for a new tick
GRACE = timedelta(minutes=1)  # a tick older than this when fired was missed
Kind = Literal["on_time", "late", "skipped"]
log = structlog.get_logger(__name__)


class ScheduleState(Base):
    """The last tick of a schedule fired (or skipped): the next firing is of a later one."""

    __tablename__ = "schedules"

    topic: Mapped[str] = mapped_column(String(TOPIC_LENGTH), primary_key=True)
    last_tick: Mapped[int] = mapped_column(BigInteger)  # milliseconds since the epoch
    updated_at: Mapped[int] = mapped_column(BigInteger)


@dataclass(frozen=True)
class Firing:
    """A tick of a schedule, and how it went: fired on time, fired late, or skipped."""

    topic: str
    tick: datetime
    kind: Kind
    message_id: str | None = None


@dataclass(frozen=True)
class Scheduler:
    """The app's scheduled jobs, and the metrics their firings are counted in."""

    jobs: tuple[type[ScheduledJob], ...]
    metrics: EventMetrics | None = None


def init_app(app: Quart, handlers: Iterable[Handler], metrics: EventMetrics | None) -> None:
    """Keep the scheduled jobs that `handlers` take; fire them while serving, where events go."""
    jobs = {
        handler.model
        for handler in handlers
        if issubclass(handler.model, ScheduledJob) and schedule_of(handler.model) is not None
    }
    for job in jobs:
        try:
            job(tick=EPOCH)
        except ValidationError as error:
            raise StartupError(
                f"{job.__name__} is fired with its tick alone, and needs more:"
                f" {error.errors(include_url=False)}; give its other fields defaults"
            ) from None
    scheduler = Scheduler(tuple(sorted(jobs, key=lambda job: job.topic)), metrics)
    app.extensions[EXTENSION_KEY] = scheduler
    delivers = (app.config["BROKER_URL"] is not None) == (app.config["ROLE"] == "worker")
    if scheduler.jobs and delivers and not app.config["TESTING"]:
        run_while_serving(app, lambda: _fire_now_and_then(app))


async def fire_schedules(app: Quart, now: datetime | None = None) -> list[Firing]:
    """Fire the ticks due at `now` (by default, now) that no process has fired yet."""
    scheduler: Scheduler = app.extensions[EXTENSION_KEY]
    async with app.app_context():
        return await fire_due(scheduler, now or datetime.now(UTC))


async def fire_due(scheduler: Scheduler, now: datetime) -> list[Firing]:
    """In one transaction and turn, fire each schedule's new tick; then count and log them."""
    async with transaction() as session, turn(session, "schedules") as mine:
        if not mine:
            return []  # another process fires now; this one looks again next time
        firings = [
            firing
            for job in scheduler.jobs
            if (firing := await _fire(session, job, now)) is not None
        ]
    for firing in firings:
        _tell(scheduler, firing, now)
    return firings


async def _fire(session: AsyncSession, job: type[ScheduledJob], now: datetime) -> Firing | None:
    schedule = job.schedule
    latest = schedule.latest(now)
    state = await session.get(ScheduleState, job.topic, with_for_update=True)
    if state is None:
        session.add(ScheduleState(topic=job.topic, last_tick=_ms(latest), updated_at=_ms(now)))
        return None
    last = datetime.fromtimestamp(state.last_tick / 1000, UTC)
    if latest <= last:
        return None
    state.last_tick, state.updated_at = _ms(latest), _ms(now)
    fresh = now - latest < GRACE
    if schedule.missed == "skip" and not fresh:
        return Firing(job.topic, latest, "skipped")
    # Ticks before the latest never fired: fired now as one, late, or skipped for good.
    missed = schedule.missed == "once" and schedule.after(last) < latest
    message_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{SERVICE} {job.topic} {latest.isoformat()}").hex
    store(job(tick=latest), key=None, delay=0, message_id=message_id)
    return Firing(job.topic, latest, "on_time" if fresh and not missed else "late", message_id)


def _tell(scheduler: Scheduler, firing: Firing, now: datetime) -> None:
    """One line and one count per firing; a late or skipped one is a warning."""
    if scheduler.metrics is not None:
        scheduler.metrics.scheduled.labels(firing.topic, firing.kind).inc()
    log.log(
        20 if firing.kind == "on_time" else 30,
        "scheduled job fired" if firing.message_id else "scheduled job skipped",
        topic=firing.topic,
        tick=firing.tick.isoformat(),
        firing=firing.kind,
        late_ms=round((now - firing.tick).total_seconds() * 1000),
        message_id=firing.message_id,
    )


async def _fire_now_and_then(app: Quart) -> NoReturn:
    scheduler: Scheduler = app.extensions[EXTENSION_KEY]
    seen: dict[str, datetime] = {}  # each schedule's latest tick when this process last fired

    async def one_pass() -> bool:
        now = datetime.now(UTC)
        latest = {job.topic: job.schedule.latest(now) for job in scheduler.jobs}
        if latest != seen:  # no new tick since the last pass: nothing to ask the database
            async with app.app_context():
                await fire_due(scheduler, now)
            seen.update(latest)
        return False

    async def failed(error: BaseException) -> None:
        seen.clear()  # the ticks stay due: the next pass fires them
        log.warning("the schedules could not be fired", reason=repr(error))

    await repeat(one_pass, LOOK_EVERY, failed, AWAY)


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)
