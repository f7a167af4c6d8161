"""The drivers' words for "not now", read alike on SQLite and PostgreSQL: DatabaseUnavailable."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from ...data.database import open_engine
from ...data.outages import DatabaseAway, DatabaseUnavailable, sql_state
from ...data.url import is_sqlite
from ..plumbing import create_app
from .test_database import NOWHERE


async def test_failing_to_connect_is_the_database_away() -> None:
    """The driver's own OSError, which would be a 500, becomes DatabaseAway, a DatabaseUnavailable."""
    engine = open_engine({**create_app().config, "DATABASE_URL": NOWHERE}).engine
    try:
        with pytest.raises(DatabaseAway, match="cannot connect: ConnectionRefusedError"):
            async with engine.connect():
                pass
    finally:
        await engine.dispose()


async def test_a_statement_timed_out_is_unavailable_but_not_away(database_url: str) -> None:
    """PostgreSQL cancelled a statement past its timeout: maybe the statement's doing, not away."""
    if is_sqlite(database_url):
        pytest.skip("SQLite has no statement timeout; make test-servers runs it on PostgreSQL")
    engine = open_engine({**create_app().config, "DATABASE_URL": database_url}).engine
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL statement_timeout = '10ms'"))
            with pytest.raises(DatabaseUnavailable) as raised:
                await connection.execute(text("SELECT pg_sleep(1)"))
        assert not isinstance(raised.value, DatabaseAway)
    finally:
        await engine.dispose()


async def test_a_query_cancelled_is_cancelled_not_the_database_away(database_url: str) -> None:
    """A task cancelled mid-query (a shutdown) ends cancelled: DatabaseAway would outlive it."""
    engine = open_engine({**create_app().config, "DATABASE_URL": database_url}).engine
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000)"
        " SELECT count(*) FROM n"
        if is_sqlite(database_url)
        else "SELECT pg_sleep(5)"
    )

    async def query() -> None:
        async with engine.connect() as connection:
            await connection.execute(text(slow))

    try:
        running = asyncio.create_task(query())
        await asyncio.sleep(0.3)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    finally:
        await engine.dispose()


def test_the_sql_state_is_found_down_the_chain_of_causes() -> None:
    """SQLAlchemy wraps the driver's error, which wraps asyncpg's: the SQLSTATE is at the end."""

    class DriverError(Exception):
        sqlstate = "23505"

    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = DriverError()
    assert sql_state(wrapped) == "23505"
    assert sql_state(ValueError("plain")) is None
