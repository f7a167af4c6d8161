"""Migrations: Alembic, configured from the service's own settings, run by `quart db ...`.

`make migrate` is `quart db upgrade` (migration_commands.py). The revisions are the service's,
in <package>/migrations/versions; env.py there hands over to run_migrations() below. Workers
never migrate: in Kubernetes an init container does, before the pod serves, and concurrent
upgrades on PostgreSQL wait for each other on an advisory lock. /readyz fails while the
database's schema is not the latest revision.

Alembic is imported when it is used: at import it would cost every start a fifth of a second.
"""

from __future__ import annotations

import asyncio
import sys
import zlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quart import Quart
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from ..observability.probes import NotReady, add_readiness_check
from ..startup import SERVICE, StartupError
from . import database
from .tables import Base
from .url import is_sqlite

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

VERSION_TABLE = "alembic_version"
# One lock per service, whatever else shares its PostgreSQL server.
ADVISORY_LOCK = zlib.crc32(f"{SERVICE} migrations".encode())


def migrations_directory() -> Path:
    """<package>/migrations, beside the service's data/ and views/."""
    return Path(sys.modules[SERVICE].__file__ or "").parent / "migrations"


def alembic_config(url: str, directory: Path | None = None) -> Config:
    """Alembic's configuration for the database at `url`; no alembic.ini is needed.

    `directory` holds the migrations: the service's own unless a test names another.
    """
    from alembic.config import Config  # noqa: PLC0415 (imported on use; see above)

    config = Config()
    config.set_main_option("script_location", str(directory or migrations_directory()))
    config.attributes["url"] = url
    config.attributes["run_migrations"] = run_migrations
    return config


@cache
def head_revision(directory: Path | None = None) -> str | None:
    """The latest revision, or None when there is none yet; StartupError if there are two.

    The revisions are read once a process: they change only with the code.
    """
    from alembic.script import ScriptDirectory  # noqa: PLC0415 (imported on use; see above)

    heads = ScriptDirectory.from_config(alembic_config("sqlite://", directory)).get_heads()
    if len(heads) > 1:
        raise StartupError(
            f"the migrations have {len(heads)} latest revisions ({', '.join(sorted(heads))}):"
            ' join them with `.venv/bin/quart db merge -m "merge"`'
        )
    return heads[0] if heads else None


def init_app(app: Quart) -> None:
    """Add a readiness check: the database answers, at the latest revision."""

    async def database_ready() -> None:
        try:
            head = head_revision()
        except StartupError as error:
            raise NotReady(str(error)) from None
        opened: database.Database | None = app.extensions.get(database.EXTENSION_KEY)
        if opened is None:
            raise NotReady("the database is not open: the app is not serving")
        await schema_at(opened.engine, head)

    add_readiness_check(app, "database", database_ready)


async def schema_at(engine: AsyncEngine, head: str | None) -> None:
    """Raise NotReady unless the database answers through `engine` at revision `head`.

    The check borrows a connection of the app's pool, as a request would: a pool that cannot
    lend one in time is a service that cannot take traffic.
    """
    async with engine.connect() as connection:
        current = await connection.run_sync(current_revision)
    if current != head:
        raise NotReady(f"the schema is at revision {current}, the latest is {head}")


def current_revision(connection: Connection) -> str | None:
    """The revision the database's schema is at, None before the first migration.

    Read directly rather than through Alembic, which would log two lines for every probe.
    """
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    query = text(f"SELECT version_num FROM {VERSION_TABLE}")  # noqa: S608  # nosec B608 (a constant)
    revision = connection.execute(query).scalar()
    return str(revision) if revision is not None else None


def upgrade(url: str, revision: str = "head", directory: Path | None = None) -> None:
    """Migrate the database at `url` up to `revision`."""
    alembic_commands().upgrade(alembic_config(url, directory), revision)


def alembic_commands() -> Any:
    """Alembic's commands, imported on use."""
    from alembic import command  # noqa: PLC0415 (imported on use; see above)

    return command


def run_migrations(context: EnvironmentContext) -> None:
    """What env.py runs: migrate the configured URL's database in one transaction."""
    asyncio.run(_online(context, context.config.attributes["url"]))


async def _online(context: EnvironmentContext, url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate, context, is_sqlite(url))
    finally:
        await engine.dispose()


def _migrate(connection: Connection, context: EnvironmentContext, sqlite: bool) -> None:
    # SQLite alters a table by copying it: batch mode writes revisions that work on both.
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        if not sqlite:
            connection.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})"))
        context.run_migrations()
