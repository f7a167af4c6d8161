"""The drivers' words for "not now", read alike on SQLite and PostgreSQL: DatabaseUnavailable."""

from __future__ import annotations

import pytest

from ...data.database import open_engine
from ...data.outages import DatabaseUnavailable, sql_state
from ..plumbing import create_app
from .test_database import NOWHERE


async def test_failing_to_connect_is_database_unavailable() -> None:
    """The driver's own OSError, which would be a 500, becomes DatabaseUnavailable."""
    engine = open_engine({**create_app().config, "DATABASE_URL": NOWHERE}).engine
    try:
        with pytest.raises(DatabaseUnavailable, match="cannot connect: ConnectionRefusedError"):
            async with engine.connect():
                pass
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
