"""Turns: one holder at a time, on SQLite files and PostgreSQL alike, free again once it ends."""

from __future__ import annotations

from quart import Quart

from ...data.database import apart
from ...data.turns import turn


async def test_one_holder_at_a_time_then_the_next(app: Quart) -> None:
    """While a session holds the turn, another is refused it; once it ends, the other gets it."""
    async with app.app_context():
        async with apart() as first, turn(first, "relay") as taken:
            assert taken
            async with apart() as second, turn(second, "relay") as also:
                assert not also
        async with apart() as second, turn(second, "relay") as now:
            assert now


async def test_turns_of_other_names_do_not_wait_for_each_other(app: Quart) -> None:
    """The relay's turn and the delivery's are apart."""
    async with (
        app.app_context(),
        apart() as first,
        turn(first, "relay") as relaying,
        apart() as second,
        turn(second, "delivery") as delivering,
    ):
        assert (relaying, delivering) == (True, True)
