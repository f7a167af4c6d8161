"""Clean databases for tests: one migrated template a test session, a copy of it a test.

On SQLite (the default) the template is a file and a test's database a copy of the file. When
TEST_DATABASE_URL names a PostgreSQL server (`make test-servers`), the template is a database
there, and each test's database is created from it, then dropped. Either way a test starts on the
latest schema with no rows, whatever ran before it or beside it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from ..data.migrations import upgrade
from ..data.url import database_url
from ..identity import SERVICE

SERVER_VARIABLE = "TEST_DATABASE_URL"


class DatabaseServerUnreachable(Exception):  # noqa: N818 (says what happened)
    """TEST_DATABASE_URL names a server that does not answer."""


class DatabaseTemplate:
    """The migrated template of a test session, and the copies made of it."""

    def __init__(self, directory: Path, migrations: Path, server: str | None = None) -> None:
        """A template in `directory` (SQLite), or on the PostgreSQL `server` when one is named.

        Its schema is what the service's `migrations` make.
        """
        self.server = database_url(server) if server else None
        # Several test processes (pytest-xdist, a test's own pytest) share a server: each has a
        # template of its own.
        suffix = os.getpid()
        if self.server is None:
            self.url = f"sqlite+aiosqlite:///{directory / 'template.db'}"
        else:
            self.url = self._on_server(f"{SERVICE}_template_{suffix}")
            self._run(f'DROP DATABASE IF EXISTS "{self._name(self.url)}" WITH (FORCE)')
            self._run(f'CREATE DATABASE "{self._name(self.url)}"')
        upgrade(self.url, migrations)

    def copy(self, directory: Path) -> str:
        """The URL of a new database with the template's schema and no rows."""
        if self.server is None:
            target = directory / f"{secrets.token_hex(4)}.db"
            shutil.copyfile(make_url(self.url).database or "", target)
            return f"sqlite+aiosqlite:///{target}"
        url = self._on_server(f"{SERVICE}_test_{secrets.token_hex(6)}")
        self._run(f'CREATE DATABASE "{self._name(url)}" TEMPLATE "{self._name(self.url)}"')
        return url

    def drop(self, url: str) -> None:
        """Drop a copy made on the server; a SQLite copy goes with its test's directory."""
        if self.server is not None:
            self._run(f'DROP DATABASE IF EXISTS "{self._name(url)}" WITH (FORCE)')

    def close(self) -> None:
        """Drop the template from the server at the end of the session."""
        if self.server is not None:
            self.drop(self.url)

    def _on_server(self, name: str) -> str:
        return make_url(self.server or "").set(database=name).render_as_string(hide_password=False)

    @staticmethod
    def _name(url: str) -> str:
        return make_url(url).database or ""

    def _run(self, statement: str) -> None:
        asyncio.run(self._execute(statement))

    async def _execute(self, statement: str) -> None:
        engine = create_async_engine(
            self.server or "", poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        except (OSError, TimeoutError) as error:
            raise DatabaseServerUnreachable(str(error)) from error
        finally:
            await engine.dispose()
