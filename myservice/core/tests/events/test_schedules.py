"""Schedules: the ticks of a cron expression in its zone or of an interval, and the mistakes refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ...events.schedules import Schedule, ScheduledJob, schedule_of
from .test_messages import Shipped
from .ticks.beats import Beat, Night

NOON = datetime(2026, 12, 5, 12, 0, 0, tzinfo=UTC)


def test_an_interval_ticks_from_the_epoch_so_that_every_process_agrees() -> None:
    """Every 15 minutes: at :00, :15, :30, :45 UTC, whenever the process started."""
    schedule = Schedule(every=timedelta(minutes=15))
    assert schedule.latest(NOON + timedelta(minutes=20)) == NOON + timedelta(minutes=15)
    assert schedule.latest(NOON) == NOON
    assert schedule.after(NOON) == NOON + timedelta(minutes=15)
    weekly = Schedule(every=timedelta(days=7)).latest(NOON)
    assert (weekly.strftime("%A %H:%M"), weekly.tzinfo) == ("Thursday 00:00", UTC)


def test_a_cron_expression_keeps_its_local_time_across_daylight_saving() -> None:
    """03:00 in Paris is 02:00 UTC in winter and 01:00 UTC in summer."""
    schedule = Schedule(cron="0 3 * * *", zone="Europe/Paris")
    assert schedule.latest(NOON) == datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert schedule.latest(summer) == datetime(2026, 7, 1, 1, 0, tzinfo=UTC)
    assert schedule.after(datetime(2026, 3, 28, 2, 0, tzinfo=UTC)) == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC
    )


def test_a_time_the_clocks_pass_twice_fires_once_and_a_time_they_skip_fires_after() -> None:
    """02:30 in Paris: once on 25 October (clocks back at 03:00), at 03:00 on 29 March."""
    schedule = Schedule(cron="30 2 * * *", zone="Europe/Paris")
    autumn = schedule.after(datetime(2026, 10, 24, 12, tzinfo=UTC))
    assert autumn == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 summer time
    assert schedule.after(autumn) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)
    assert schedule.latest(datetime(2026, 10, 25, 1, 45, tzinfo=UTC)) == autumn
    spring = schedule.after(datetime(2026, 3, 28, 12, tzinfo=UTC))
    assert spring == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00, the first minute after


def test_every_half_hour_fires_through_the_hour_the_clocks_pass_twice() -> None:
    """Not at set hours: each half hour of the real time fires, the repeated ones too."""
    schedule = Schedule(cron="*/30 * * * *", zone="Europe/Paris")
    tick, ticks = datetime(2026, 10, 24, 23, 45, tzinfo=UTC), []
    for _ in range(5):
        tick = schedule.after(tick)
        ticks.append(tick.strftime("%H:%M"))
    assert ticks == ["00:00", "00:30", "01:00", "01:30", "02:00"]  # UTC: 02:00 to 03:00 twice


def test_a_tick_at_now_is_the_latest() -> None:
    """The tick due at this very moment is due: not the one before it."""
    assert Schedule(cron="0 * * * *").latest(NOON) == NOON
    assert Schedule(cron="@daily").latest(NOON) == datetime(2026, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("options", "said"),
    [
        ({}, "one of the two"),
        ({"cron": "0 3 * * *", "every": timedelta(hours=1)}, "one of the two"),
        ({"cron": "0 3 * *"}, "five fields"),
        ({"cron": "0 3 * * * *"}, "five fields"),
        ({"cron": "61 3 * * *"}, "five fields"),
        ({"cron": "@sometimes"}, "five fields"),
        ({"cron": "0 0 30 2 *"}, "never fires"),
        ({"cron": "0 3 * * *", "zone": "Mars/Olympus"}, "is not a time zone"),
        ({"every": timedelta(milliseconds=500)}, "at least one"),
        ({"every": timedelta(seconds=1.5)}, "whole number of seconds"),
        ({"every": timedelta(hours=1), "zone": "Europe/Paris"}, "counts in UTC"),
        ({"every": timedelta(hours=1), "missed": "twice"}, "'once' or 'skip'"),
    ],
)
def test_a_schedule_that_cannot_be_fired_as_meant_is_refused(
    options: dict[str, object], said: str
) -> None:
    """Each mistake is named, as the start's error will show it."""
    with pytest.raises(ValueError, match=said):
        Schedule(**options)  # type: ignore[arg-type]


def test_the_class_names_its_schedule_and_a_mistake_names_the_class() -> None:
    """The schedule is the class's; a class with a bad one is refused where it is defined."""
    assert schedule_of(Beat) == Schedule(every=timedelta(seconds=1))
    assert schedule_of(Night) == Schedule(cron="0 3 * * *", zone="Europe/Paris", missed="skip")
    assert schedule_of(Shipped) is None
    with pytest.raises(ValueError, match=r"^Typo: cron="):

        class Typo(ScheduledJob, topic="tests.typo", cron="0 3 * *"):
            """Four fields."""


def test_a_schedule_in_words() -> None:
    """What the AsyncAPI document and the log say of it."""
    assert Schedule(every=timedelta(minutes=90)).describe() == (
        "every 90 min; ticks missed are fired once, late"
    )
    assert Schedule(every=timedelta(days=1)).describe().startswith("every 1 d;")
    assert Schedule(cron="0 3 * * *", zone="Europe/Paris", missed="skip").describe() == (
        "cron '0 3 * * *' in Europe/Paris; ticks missed are skipped"
    )
