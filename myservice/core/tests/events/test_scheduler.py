"""The scheduler: the jobs it fires, refused mistakes, and a loop that looks as each tick comes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from quart import Quart
from sqlalchemy import select

from ...data.database import apart, reading
from ...data.turns import turn
from ...events import scheduler
from ...events.handlers import Handler
from ...events.outbox import OutboxMessage
from ...events.scheduler import fire_schedules, init_app, scheduled_jobs, until_next_look
from ...events.schedules import ScheduledJob
from ...identity import StartupError
from ..plumbing import create_app
from .consumers import ticking
from .ticks.beats import Beat, Night

__all__ = ["ticking"]
START = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)


class NeedsMore(ScheduledJob, topic="tests.needs_more", every=timedelta(minutes=1)):
    """A scheduled job with a field the scheduler cannot fill."""

    account: int


class BeatAgain(ScheduledJob, topic="tests.beat", every=timedelta(minutes=1)):
    """A second schedule of the beat's topic."""


async def nothing(job: ScheduledJob) -> None:
    """A handler that is never called."""


def test_a_scheduled_job_with_fields_the_tick_cannot_fill_stops_the_start() -> None:
    """The scheduler fires a job with its tick alone: another required field is refused at start."""
    app = create_app({"TESTING": True})
    with pytest.raises(StartupError, match="NeedsMore is fired with its tick alone"):
        init_app(app, [Handler("more.nothing", NeedsMore, nothing)], None)


def test_two_schedules_of_one_topic_stop_the_start() -> None:
    """One row per topic: two classes scheduled as one topic would starve each other."""
    handlers = [Handler("a.nothing", Beat, nothing), Handler("b.nothing", BeatAgain, nothing)]
    with pytest.raises(
        StartupError, match=r"Beat and BeatAgain are both scheduled as .tests\.beat."
    ):
        scheduled_jobs(handlers)


def test_two_handlers_of_one_scheduled_job_share_its_schedule() -> None:
    """The job is fired once per tick, and each of its handlers takes it."""
    handlers = [Handler("a.nothing", Beat, nothing), Handler("b.nothing", Beat, nothing)]
    assert scheduled_jobs(handlers) == (Beat,)


async def test_a_test_fires_the_jobs_it_names_at_a_time_with_its_zone(ticking: Quart) -> None:
    """Only Night's row is written; a time without a zone is refused, naming the fix."""
    await fire_schedules(ticking, START, Night)
    beat = await fire_schedules(ticking, START + timedelta(seconds=1), Beat)
    assert beat == []  # its first look: where it starts
    with pytest.raises(ValueError, match="has no time zone"):
        await fire_schedules(ticking, datetime(2026, 12, 5, 12))


def test_the_loop_looks_just_after_the_next_tick_and_a_second_apart_at_most() -> None:
    """A beat a second: just past the next second; a night only: a second."""
    now = START + timedelta(milliseconds=300)
    assert until_next_look((Beat, Night), now) == pytest.approx(0.705)
    assert until_next_look((Night,), now) == scheduler.LOOK_EVERY
    assert until_next_look((), now) == scheduler.LOOK_EVERY


async def test_a_tick_another_process_held_the_turn_through_is_fired_once_it_lets_go(
    ticking: Quart,
) -> None:
    """The holder of the turn dies having fired nothing: the process looks again and fires it.

    A tenth of a second on; then it asks the database no more until the next tick.
    """
    looks = scheduler.Looks(ticking, ticking.extensions[scheduler.EXTENSION_KEY])
    await looks.look(START)  # the rows: from START on
    async with apart() as other, turn(other, "schedules") as held:
        assert held
        assert await looks.look(START + timedelta(seconds=1.2)) == scheduler.TURN_AGAIN
        assert await beats() == []
    wait = await looks.look(START + timedelta(seconds=1.3))
    assert wait == pytest.approx(0.705)  # just past the next beat
    assert await beats() == [START + timedelta(seconds=1)]
    async with apart() as other, turn(other, "schedules"):
        # No new tick: no look at the database, which would have found the turn taken.
        assert await looks.look(START + timedelta(seconds=1.4)) == pytest.approx(0.605)


async def beats() -> list[datetime]:
    """The ticks of the beats in the outbox."""
    async with reading() as session:
        query = select(OutboxMessage).where(OutboxMessage.topic == "tests.beat")
        return [Beat.model_validate_json(row.payload).tick for row in await session.scalars(query)]
