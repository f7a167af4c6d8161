"""The scheduler: which jobs have schedules, which processes fire them, and when they look.

The processes that do the background work (serving_tasks.py) fire: with a broker, the workers;
without one, the serving apps. Each looks (firing.py) as each tick comes, every second at
least; a look that finds another process firing looks again a tenth of a second later, so that
a holder that dies loses no tick. Each process reads its own clock: keep the machines' clocks
in time (NTP), as a tick fires by the earliest of them. In tests nothing fires by itself:
`await fire_schedules(app, now)` fires what is due at `now`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import NoReturn

import structlog
from pydantic import ValidationError
from quart import Quart

from ..data.outages import DatabaseUnavailable
from ..identity import StartupError
from ..serving_tasks import does_background_work, repeat, run_while_serving
from .event_metrics import EventMetrics
from .firing import Firing, Scheduler, fire_due
from .handlers import Handler
from .relay import AWAY
from .schedules import EPOCH, ScheduledJob, schedule_of

EXTENSION_KEY = __name__
LOOK_EVERY = 1.0  # seconds between two looks, at most
TURN_AGAIN = 0.1  # seconds before a look found another process firing looks again
log = structlog.get_logger(__name__)


def init_app(app: Quart, handlers: Iterable[Handler], metrics: EventMetrics | None) -> None:
    """Keep the scheduled jobs that `handlers` take; fire them while serving, where work runs."""
    jobs = scheduled_jobs(handlers)
    app.extensions[EXTENSION_KEY] = Scheduler(jobs, metrics)
    if jobs and does_background_work(app) and not app.config["TESTING"]:
        run_while_serving(app, lambda: _fire_now_and_then(app))


def scheduled_jobs(handlers: Iterable[Handler]) -> tuple[type[ScheduledJob], ...]:
    """The scheduled jobs the handlers take, by topic; a mistake stops the start, saying which."""
    jobs: dict[str, type[ScheduledJob]] = {}
    for handler in handlers:
        job = handler.model
        if not issubclass(job, ScheduledJob) or schedule_of(job) is None:
            continue
        if jobs.setdefault(job.topic, job) is not job:
            raise StartupError(
                f"{jobs[job.topic].__name__} and {job.__name__} are both scheduled as"
                f" {job.topic!r}: one schedule per topic, so give each a topic of its own"
            )
        try:
            job(tick=EPOCH)
        except ValidationError as error:
            raise StartupError(
                f"{job.__name__} is fired with its tick alone, and needs more:"
                f" {error.errors(include_url=False)}; give its other fields defaults"
            ) from None
    return tuple(jobs[topic] for topic in sorted(jobs))


async def fire_schedules(
    app: Quart, now: datetime | None = None, *jobs: type[ScheduledJob]
) -> list[Firing]:
    """Fire the ticks due at `now` (by default, now) that no process fired; of `jobs` only, if given.

    The first look at a schedule only notes where it starts: a test looks twice.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError(f"now={now!r} has no time zone: give one, such as tzinfo=UTC")
    scheduler: Scheduler = app.extensions[EXTENSION_KEY]
    if jobs:
        scheduler = Scheduler(
            tuple(job for job in scheduler.jobs if job in jobs), scheduler.metrics
        )
    async with app.app_context():
        return (await fire_due(scheduler, now or datetime.now(UTC))).firings


@dataclass
class Looks:
    """A process's looks at the schedules, remembering what it saw fired at the last one."""

    app: Quart
    scheduler: Scheduler
    seen: dict[str, datetime] = field(default_factory=dict)  # each job's latest tick, all fired

    async def look(self, now: datetime) -> float:
        """Fire what is due at `now`, unless this process saw it all fired; seconds to the next.

        The database is asked only when a tick came since: once per tick and process.
        """
        latest = {job.topic: job.schedule.latest(now) for job in self.scheduler.jobs}
        wait = until_next_look(self.scheduler.jobs, now)
        if latest == self.seen:
            return wait
        async with self.app.app_context():
            look = await fire_due(self.scheduler, now)
        if look.had_turn and look.none_failed:
            self.seen.update(latest)
        elif not look.had_turn:
            wait = min(wait, TURN_AGAIN)  # the holder may die before it commits
        return wait


async def _fire_now_and_then(app: Quart) -> NoReturn:
    """Look as each tick comes, for as long as the app serves."""
    looks = Looks(app, app.extensions[EXTENSION_KEY])

    async def one_pass() -> bool:
        await asyncio.sleep(await looks.look(datetime.now(UTC)))
        return True  # the pass waited already

    async def failed(error: BaseException) -> None:
        # The ticks stay due: the next look fires them. The database away needs no traceback.
        log.warning(
            "the schedules could not be fired",
            reason=repr(error),
            exc_info=not isinstance(error, DatabaseUnavailable),
        )

    await repeat(one_pass, 0, failed, AWAY)


def until_next_look(jobs: Iterable[type[ScheduledJob]], now: datetime) -> float:
    """Seconds until the next tick of any job, just past it, and LOOK_EVERY at most.

    Waiting a fixed second after each look would drift, and step over a tick a second apart.
    """
    ticks = [job.schedule.after(job.schedule.latest(now)) for job in jobs]
    wait = min((tick - now).total_seconds() for tick in ticks) if ticks else LOOK_EVERY
    return min(max(wait, 0) + 0.005, LOOK_EVERY)
