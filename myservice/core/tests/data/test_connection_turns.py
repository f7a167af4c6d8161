"""The pool's connections go to the requests in the order they asked, and a wait is bounded."""

from __future__ import annotations

import asyncio

import pytest
from quart import Quart
from sqlalchemy import select
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine

from ...data.connection_turns import ConnectionTurns
from ...data.database import EXTENSION_KEY, reading, transaction
from ..items import Item, create_tables
from ..plumbing import create_app


async def test_turns_go_in_the_order_asked_and_no_newcomer_passes_a_waiter() -> None:
    """One turn, three waiting: its holder asking again as it gives it back queues behind them."""
    turns = ConnectionTurns(1, timeout=5)
    order: list[str] = []

    async def use(name: str) -> None:
        async with turns.turn():
            order.append(name)
            await asyncio.sleep(0.01)
            order.append("/")

    async def first_then_again() -> None:
        await use("first")
        await use("again")  # asks at once, before any waiter has run

    first = asyncio.create_task(first_then_again())
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(use(f"waiter {number}")) for number in range(3)]
    await asyncio.gather(first, *waiting)
    held = ["first", "waiter 0", "waiter 1", "waiter 2", "again"]
    assert order == [step for name in held for step in (name, "/")]


async def test_a_turn_not_had_in_time_is_the_pools_timeout_and_costs_no_turn() -> None:
    """Past the timeout the wait ends with the pool's TimeoutError; the turn is not lost."""
    turns = ConnectionTurns(1, timeout=0.2)
    async with turns.turn():
        with pytest.raises(
            PoolTimeoutError, match=r"no database connection was free within 0\.2 s"
        ):
            async with turns.turn():
                pass
    async with asyncio.timeout(1), turns.turn():
        pass


async def test_reading_waits_its_turn_behind_a_transaction(database_url: str) -> None:
    """With one connection, a reading() waits for the transaction() that holds it, in turn."""
    app: Quart = create_app(
        {"DATABASE_URL": database_url, "DATABASE_POOL_SIZE": 1, "DATABASE_POOL_TIMEOUT": 1}
    )
    async with app.test_app(), app.app_context():
        engine: AsyncEngine = app.extensions[EXTENSION_KEY].engine
        await create_tables(engine)
        async with transaction() as session:
            session.add(Item(name="held"))
            with pytest.raises(PoolTimeoutError):
                async with reading():
                    pass
        async with reading() as session:
            assert (await session.scalars(select(Item.name))).all() == ["held"]
