"""One look at the schedules: each tick fired once, a missed one late or skipped, counted, logged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quart import Quart
from sqlalchemy import delete, select, update
from structlog.testing import capture_logs

from ...data.database import apart, reading, transaction
from ...data.turns import turn
from ...events.firing import GRACE, Firing, ScheduleState
from ...events.outbox import OutboxMessage
from ...events.scheduler import fire_schedules
from ...events.without_broker import deliver
from .consumers import items, ticking
from .ticks.beats import noted

__all__ = ["ticking"]
START = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)


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
    await fire_schedules(ticking, datetime(2026, 12, 7, 12, tzinfo=UTC))  # the night missed
    text = await (await ticking.test_client().get("/metrics")).get_data(as_text=True)
    assert 'scheduled_jobs_total{firing="skipped",topic="tests.night"} 1.0' in text


async def test_a_process_finding_another_firing_fires_nothing(ticking: Quart) -> None:
    """While another process holds the schedules' turn, a look fires nothing; then it fires."""
    await fire_schedules(ticking, START)
    later = START + timedelta(seconds=1)
    async with apart() as other, turn(other, "schedules") as firing:
        assert firing
        assert await fire_schedules(ticking, later) == []
    assert kinds(await fire_schedules(ticking, later)) == [("tests.beat", "on_time")]


async def test_a_tick_is_on_time_for_a_minute_then_late(ticking: Quart) -> None:
    """Found GRACE after it was due: on time; a millisecond more: late."""
    await fire_schedules(ticking, START)
    tick = START + timedelta(seconds=1)
    assert kinds(await fire_schedules(ticking, tick + GRACE))[0] == ("tests.beat", "late")
    await fire_schedules(ticking, START)  # nothing: the row has moved on
    night = datetime(2026, 12, 6, 2, tzinfo=UTC)
    night_kinds = [
        f.kind for f in await fire_schedules(ticking, night + GRACE) if f.topic == "tests.night"
    ]
    assert night_kinds == ["on_time"]


async def test_a_changed_schedule_starts_again_without_firing_a_past_tick(ticking: Quart) -> None:
    """The row of another schedule (03:00 then, 04:00 now, say): no firing at once, a log line."""
    await fire_schedules(ticking, START)
    async with transaction() as session:
        await session.execute(
            update(ScheduleState)
            .where(ScheduleState.topic == "tests.night")
            .values(schedule="cron '0 4 * * *' in Europe/Paris; ticks missed are skipped")
        )
    with capture_logs() as logs:
        night = [f for f in await fire_schedules(ticking, START) if f.topic == "tests.night"]
    assert night == []
    assert [line["topic"] for line in logs if line["event"] == "schedule changed"] == [
        "tests.night"
    ]
    later = datetime(2026, 12, 6, 2, 0, 5, tzinfo=UTC)
    assert [f.kind for f in await fire_schedules(ticking, later) if f.topic == "tests.night"] == [
        "on_time"
    ]


async def test_skip_still_fires_the_latest_tick_when_it_is_on_time(ticking: Quart) -> None:
    """Nights missed, then a look at 03:00:10: the earlier nights skipped, this one fired."""
    await fire_schedules(ticking, START)
    three_nights_on = datetime(2026, 12, 8, 2, 0, 10, tzinfo=UTC)
    night = [f for f in await fire_schedules(ticking, three_nights_on) if f.topic == "tests.night"]
    assert [(f.kind, f.tick) for f in night] == [("on_time", datetime(2026, 12, 8, 2, tzinfo=UTC))]
