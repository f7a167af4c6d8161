"""The scheduler: each tick fired once, a missed one late or skipped, counted, logged, delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from quart import Quart
from sqlalchemy import delete, select
from structlog.testing import capture_logs

from ...data.database import apart, database, reading, transaction
from ...events.handlers import Handler
from ...events.outbox import OutboxMessage
from ...events.scheduler import Firing, ScheduleState, fire_schedules, init_app
from ...events.schedules import ScheduledJob
from ...events.turns import turn
from ...events.without_broker import deliver
from ...identity import StartupError
from ..items import create_tables
from ..plumbing import create_app
from . import ticks
from .consumers import items
from .ticks.beats import noted

START = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def ticking(database_url: str) -> AsyncIterator[Quart]:
    """An app in test mode whose consumers are the tests' scheduled jobs, in its context."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url}, events=ticks)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        yield app


async def outbox() -> list[tuple[str, str]]:
    """The topic and message id of each message waiting in the outbox."""
    async with reading() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(row.topic, row.message_id) for row in rows]


def kinds(firings: list[Firing]) -> list[tuple[str, str]]:
    """Each firing's topic and kind."""
    return [(firing.topic, firing.kind) for firing in firings]


async def test_a_schedule_seen_first_fires_nothing_then_each_tick_once(ticking: Quart) -> None:
    """No past tick is fired at first; a new tick is fired once, however often it is looked at."""
    assert await fire_schedules(ticking, START) == []
    assert await outbox() == []
    later = START + timedelta(seconds=1, milliseconds=300)
    assert kinds(await fire_schedules(ticking, later)) == [("tests.beat", "on_time")]
    assert await fire_schedules(ticking, later) == []
    assert await fire_schedules(ticking, later + timedelta(milliseconds=600)) == []
    assert [topic for topic, _ in await outbox()] == ["tests.beat"]
    assert [outcome.state for outcome in await deliver(ticking)] == ["done"]
    assert await items() == [noted(START + timedelta(seconds=1))]


async def test_ticks_missed_are_fired_once_late_with_the_latest_tick(ticking: Quart) -> None:
    """Ten beats missed: one firing, late, of the latest beat, and a warning that says so."""
    await fire_schedules(ticking, START)
    with capture_logs() as logs:
        firings = await fire_schedules(ticking, START + timedelta(seconds=10, milliseconds=500))
    assert kinds(firings) == [("tests.beat", "late")]
    assert firings[0].tick == START + timedelta(seconds=10)
    (line,) = [line for line in logs if line["event"].startswith("scheduled job")]
    assert line["log_level"] == "warning"
    assert (line["topic"], line["firing"], line["late_ms"]) == ("tests.beat", "late", 500)
    assert line["tick"] == "2026-12-05T12:00:10+00:00"
    await deliver(ticking)
    assert await items() == [noted(START + timedelta(seconds=10))]


async def test_a_missed_night_is_skipped_and_the_next_one_fired_on_time(ticking: Quart) -> None:
    """03:00 in Paris (02:00 UTC in winter): missed by hours, skipped; the next night, on time."""
    await fire_schedules(ticking, START)  # first sight: from the night of 5 December
    day_after = datetime(2026, 12, 6, 7, 0, tzinfo=UTC)
    assert ("tests.night", "skipped") in kinds(await fire_schedules(ticking, day_after))
    assert [topic for topic, _ in await outbox()] == ["tests.beat"]  # the beat, late: no night
    on_time = datetime(2026, 12, 7, 2, 0, 20, tzinfo=UTC)
    night = [f for f in await fire_schedules(ticking, on_time) if f.topic == "tests.night"]
    assert kinds(night) == [("tests.night", "on_time")]
    assert night[0].tick == datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


async def test_a_tick_fired_twice_is_taken_once(ticking: Quart) -> None:
    """The schedule's row lost after a firing: fired again, same message id; the inbox takes one."""
    await fire_schedules(ticking, START)
    first = await fire_schedules(ticking, START + timedelta(seconds=1))
    await deliver(ticking)
    async with transaction() as session:
        await session.execute(delete(ScheduleState))
    await fire_schedules(ticking, START)
    again = await fire_schedules(ticking, START + timedelta(seconds=1))
    assert [f.message_id for f in again] == [f.message_id for f in first]
    assert [outcome.state for outcome in await deliver(ticking)] == ["duplicate"]
    assert await items() == [noted(START + timedelta(seconds=1))]


async def test_firings_are_counted_by_topic_and_kind(ticking: Quart) -> None:
    """/metrics: scheduled_jobs_total by topic and firing."""
    await fire_schedules(ticking, START)
    await fire_schedules(ticking, START + timedelta(seconds=1))
    await fire_schedules(ticking, START + timedelta(seconds=5))
    text = await (await ticking.test_client().get("/metrics")).get_data(as_text=True)
    assert 'scheduled_jobs_total{firing="on_time",topic="tests.beat"} 1.0' in text
    assert 'scheduled_jobs_total{firing="late",topic="tests.beat"} 1.0' in text


class NeedsMore(ScheduledJob, topic="tests.needs_more", every=timedelta(minutes=1)):
    """A scheduled job with a field the scheduler cannot fill."""

    account: int


def test_a_scheduled_job_with_fields_the_tick_cannot_fill_stops_the_start() -> None:
    """The scheduler fires a job with its tick alone: another required field is refused at start."""

    async def nothing(job: NeedsMore) -> None:
        """Never called."""

    app = create_app({"TESTING": True})
    with pytest.raises(StartupError, match="NeedsMore is fired with its tick alone"):
        init_app(app, [Handler("more.nothing", NeedsMore, nothing)], None)


async def test_a_process_finding_another_firing_fires_nothing(ticking: Quart) -> None:
    """While another process holds the schedules' turn, a look fires nothing; then it fires."""
    await fire_schedules(ticking, START)
    later = START + timedelta(seconds=1)
    async with apart() as other, turn(other, "schedules") as firing:
        assert firing
        assert await fire_schedules(ticking, later) == []
    assert kinds(await fire_schedules(ticking, later)) == [("tests.beat", "on_time")]
