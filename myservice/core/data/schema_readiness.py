"""Readiness waits for the schema: /readyz fails until the database is at every latest revision.

A pod whose code expects tables that its database does not have yet must not take traffic: the
check compares the revisions the database records with the heads of the code (migrations.py).
"""

from __future__ import annotations

from collections.abc import Set

from quart import Quart
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from ..http.readiness import NotReady, add_readiness_check
from ..http.service import service_of
from ..identity import StartupError
from . import database
from .migrations import head_revisions

VERSION_TABLE = "alembic_version"


def init_app(app: Quart) -> None:
    """Add a readiness check: the database answers, at the latest revisions."""

    async def database_ready() -> None:
        try:
            heads = head_revisions(service_of(app).migrations)
        except StartupError as error:
            raise NotReady(str(error)) from None
        opened: database.Database | None = app.extensions.get(database.EXTENSION_KEY)
        if opened is None:
            raise NotReady("the database is not open: the app is not serving")
        async with opened.turn():  # in line with the requests, as one of them
            await schema_at(opened.engine, heads)

    add_readiness_check(app, "database", database_ready)


async def schema_at(engine: AsyncEngine, heads: Set[str]) -> None:
    """Raise NotReady unless the database answers through `engine` at the revisions `heads`.

    The check borrows a connection of the app's pool, as a request would: a pool that cannot
    lend one in time is a service that cannot take traffic.
    """
    async with engine.connect() as connection:
        current = await connection.run_sync(current_revisions)
    if current != heads:
        raise NotReady(
            f"the schema is at revision {_named(current)}, the latest is {_named(heads)}"
        )


def current_revisions(connection: Connection) -> frozenset[str]:
    """The revisions the database's schema is at, one a branch; none before the first migration.

    Read directly rather than through Alembic, which would log two lines for every probe.
    """
    if not inspect(connection).has_table(VERSION_TABLE):
        return frozenset()
    query = text(f"SELECT version_num FROM {VERSION_TABLE}")  # noqa: S608  # nosec B608  # a constant
    return frozenset(str(revision) for revision in connection.execute(query).scalars())


def _named(revisions: Set[str]) -> str:
    return " and ".join(sorted(revisions)) or "None"
