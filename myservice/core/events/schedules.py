"""Schedules: jobs the service gives itself at set times, declared on the job's class.

    class Nightly(ScheduledJob, topic="reports.nightly", cron="0 3 * * *", zone="Europe/Paris"):
        '''The day's report, once the day is over.'''

    class Heartbeat(ScheduledJob, topic="heartbeat", every=timedelta(minutes=5), missed="skip"):
        '''A sign of life, every five minutes.'''

A handler of events/ takes it as any job (`@handles(Nightly)`), once per tick: `job.tick` is the
time it was due. A cron expression has five fields (minute hour day month weekday) or is one of
croniter's @hourly, @daily...; it is read in `zone` (UTC unless given), so that 03:00 stays
03:00 local across daylight saving: a time the clocks skip fires at the first minute after
them, and a time they pass twice fires once (at set hours; "every minute" fires every minute).
An interval counts from the epoch, in UTC, so that every process and replica agrees on its
ticks. What becomes of ticks missed while nothing ran is `missed`: "once" fires the latest of
them once, late; "skip" fires none, only the next on time. scheduler.py fires them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field

from .messages import Job

if TYPE_CHECKING:
    from croniter import croniter

Missed = Literal["once", "skip"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SHORTEST = timedelta(seconds=1)
UNITS = ((86400, "d"), (3600, "h"), (60, "min"), (1, "s"))


@dataclass(frozen=True)
class Schedule:
    """When a scheduled job is due: a cron expression in a zone, or a plain interval."""

    cron: str | None = None
    every: timedelta | None = None
    zone: str = "UTC"
    missed: Missed = "once"

    def __post_init__(self) -> None:
        """Refuse what could not be fired as meant, naming the mistake."""
        if (self.cron is None) == (self.every is None):
            raise ValueError("give cron='<five fields>' or every=timedelta(...), one of the two")
        if self.missed not in {"once", "skip"}:
            raise ValueError(f"missed={self.missed!r}: it is 'once' or 'skip'")
        if self.every is not None:
            if self.every < SHORTEST or self.every % SHORTEST:
                raise ValueError(f"every={self.every!r}: a whole number of seconds, at least one")
            if self.zone != "UTC":
                raise ValueError("an interval counts in UTC: give zone= with cron= only")
            return
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"zone={self.zone!r} is not a time zone, such as 'Europe/Paris'"
            ) from None
        fields = str(self.cron).split()
        shaped = len(fields) == 5 or (len(fields) == 1 and fields[0].startswith("@"))
        if not shaped or not _croniter().croniter.is_valid(str(self.cron)):
            raise ValueError(
                f"cron={self.cron!r} is not a cron expression of five fields (minute hour day"
                " month weekday), such as '0 3 * * *', or @hourly, @daily, @weekly..."
            )
        try:
            self.after(EPOCH)
        except _croniter().CroniterError:
            raise ValueError(f"cron={self.cron!r} never fires (no such day)") from None

    def latest(self, now: datetime) -> datetime:
        """The last tick at or before `now`, in UTC."""
        if self.every is not None:
            return now - (now - EPOCH) % self.every
        ticks = self._ticks(now + timedelta(microseconds=1))
        previous: datetime = ticks.get_prev(datetime)
        while self._repeated(previous):
            previous = ticks.get_prev(datetime)
        return previous.astimezone(UTC)

    def after(self, tick: datetime) -> datetime:
        """The first tick after `tick`, in UTC."""
        if self.every is not None:
            return self.latest(tick) + self.every
        ticks = self._ticks(tick)
        following: datetime = ticks.get_next(datetime)
        while self._repeated(following):
            following = ticks.get_next(datetime)
        return following.astimezone(UTC)

    def describe(self) -> str:
        """The schedule in words, for the AsyncAPI document and the log."""
        if self.every is None:
            when = f"cron {self.cron!r} in {self.zone}"
        else:
            seconds = int(self.every.total_seconds())
            size, unit = next(each for each in UNITS if seconds % each[0] == 0)
            when = f"every {seconds // size} {unit}"
        missed = "fired once, late" if self.missed == "once" else "skipped"
        return f"{when}; ticks missed are {missed}"

    def _repeated(self, tick: datetime) -> bool:
        """Whether `tick` is its wall-clock time come again, the clocks set back, at set hours.

        Cron names that time once, as the wall clock does: it fires once, not twice.
        """
        local = tick.astimezone(UTC).astimezone(ZoneInfo(self.zone))  # croniter sets fold at will
        return local.fold == 1 and _croniter().croniter(str(self.cron)).expanded[1] != ["*"]

    def _ticks(self, start: datetime) -> croniter:
        """The cron expression's ticks around `start`, in the schedule's zone."""
        ticks: croniter = _croniter().croniter(
            str(self.cron), start.astimezone(ZoneInfo(self.zone))
        )
        return ticks


def _croniter() -> ModuleType:
    """croniter, imported where a cron schedule is: at import it would cost every start 27 ms."""
    import croniter  # noqa: PLC0415 (see the docstring)

    return croniter


class ScheduledJob(Job):
    """A job fired by the scheduler once per tick of its schedule: `class X(ScheduledJob, ...)`."""

    schedule: ClassVar[Schedule]
    tick: datetime = Field(description="When the job was due, in UTC.")

    def __init_subclass__(
        cls,
        cron: str | None = None,
        every: timedelta | None = None,
        zone: str = "UTC",
        missed: Missed = "once",
        **options: Any,
    ) -> None:
        """Give the class its schedule, checked, with its topic (messages.py)."""
        super().__init_subclass__(**options)
        if cron is None and every is None:
            return  # a base of scheduled jobs, not one itself
        try:
            cls.schedule = Schedule(cron, every, zone, missed)
        except ValueError as error:
            raise ValueError(f"{cls.__name__}: {error}") from None


def schedule_of(model: type[Any]) -> Schedule | None:
    """The schedule of an event or job class, or None for one published by hand."""
    if issubclass(model, ScheduledJob):
        return getattr(model, "schedule", None)
    return None
