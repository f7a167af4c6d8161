"""Migrations: Alembic, configured from the service's own settings, run by `quart db ...`.

`make migrate` is `quart db upgrade` (migration_commands.py). The revisions come in two
branches, each with its own latest revision (head): the service's, in
<package>/migrations/versions, and the skeleton's, in core/data/skeleton_revisions, for the
tables of core/ (such as the answers kept for Idempotency-Key). A skeleton update brings its
revisions with it, and the two never touch each other's files. env.py hands over to
run_migrations() below. Workers never migrate: in Kubernetes an init container does, before the
pod serves. Concurrent upgrades wait for each other: on PostgreSQL on an advisory lock, on a
SQLite file on a lock file beside it (`make serve` and `make worker` each migrate first).
/readyz fails while the database's schema is not at every head (schema_readiness.py).

Alembic is imported when it is used: at import it would cost every start a fifth of a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import zlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from ..identity import SERVICE, StartupError
from .file_lock import file_lock
from .tables import Base
from .url import is_sqlite

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

SKELETON_REVISIONS = Path(__file__).parent / "skeleton_revisions"
# The attribute of a configuration that writes a revision, rather than compares (check).
WRITING = "writing a revision"
# One lock per service, whatever else shares its PostgreSQL server.
ADVISORY_LOCK = zlib.crc32(f"{SERVICE} migrations".encode())


def alembic_config(url: str, directory: Path) -> Config:
    """Alembic's configuration for the database at `url`; no alembic.ini is needed.

    `directory` holds the service's migrations (Service.migrations).
    """
    from alembic.config import Config  # noqa: PLC0415 (imported on use; see above)

    config = Config()
    config.set_main_option("script_location", str(directory))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", os.pathsep.join((str(directory / "versions"), str(SKELETON_REVISIONS)))
    )
    config.attributes["url"] = url
    config.attributes["run_migrations"] = run_migrations
    return config


@cache
def head_revisions(directory: Path) -> frozenset[str]:
    """The latest revision of each branch: the service's, if it has any, and the skeleton's.

    StartupError if the service's revisions have two: they must be joined. The revisions are
    read once a process: they change only with the code.
    """
    heads = frozenset(_scripts(directory).get_heads())
    service = service_heads(directory)
    if len(service) > 1:
        raise StartupError(
            f"the migrations have {len(service)} latest revisions ({', '.join(sorted(service))}):"
            ' join them with `.venv/bin/quart db merge -m "merge"`'
        )
    return heads


def service_heads(directory: Path) -> list[str]:
    """The latest revisions of the service's own branch: one, or none before its first."""
    scripts = _scripts(directory)
    return sorted(
        head
        for head in scripts.get_heads()
        if Path(scripts.get_revision(head).path).parent != SKELETON_REVISIONS
    )


def _scripts(directory: Path) -> ScriptDirectory:
    from alembic.script import ScriptDirectory  # noqa: PLC0415 (imported on use; see above)

    return ScriptDirectory.from_config(alembic_config("sqlite://", directory))


def upgrade(url: str, directory: Path, revision: str = "heads") -> None:
    """Migrate the database at `url` up to `revision`: every branch's latest by default."""
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
    # SQLite's DDL is not transactional: upgrades of one file (make serve and make worker
    # started together) take turns on a lock file beside it, as PostgreSQL's on its lock.
    file = engine.url.database if is_sqlite(url) else None  # never in memory: url.py
    try:
        with file_lock(f"{file}.migrations.lock", wait=True) if file else contextlib.nullcontext():
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
        # `quart db revision` only: `check` reads the same directives, and must find them.
        process_revision_directives=(
            _nothing_if_nothing_changed if context.config.attributes.get(WRITING) else None
        ),
    )
    with context.begin_transaction():
        if not sqlite:
            connection.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK})"))
        context.run_migrations()


def _nothing_if_nothing_changed(_context: Any, _revision: Any, directives: list[Any]) -> None:
    """Write no revision when the tables of data/ and the migrations agree: it would be empty."""
    if directives and directives[0].upgrade_ops.is_empty():
        directives[:] = []
