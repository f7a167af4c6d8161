"""DATABASE_URL: which database, and the driver that talks to it, checked at start-up.

The service talks to its database asynchronously: SQLite through aiosqlite (the default, a file
in the working directory) or PostgreSQL through asyncpg. A URL naming only the database
(`postgresql://...`, `sqlite:///...`) gets that driver; a driver that is not asynchronous, or
not installed, stops the start with one line. The password is masked where the URL is shown
(`make config`, settings/command.py).
"""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

# The asynchronous driver each database gets when its URL names none.
DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def database_url(value: str) -> str:
    """The URL in full, its driver named; ValueError saying what is wrong with it otherwise."""
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("is not a database URL, such as postgresql://user@host/name") from None
    if url.drivername in DRIVERS:
        url = url.set(drivername=DRIVERS[url.drivername])
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise ValueError(
            f"names {url.drivername}, which this service cannot use; use one of"
            f" {', '.join(DRIVERS.values())}"
        ) from None
    if url.get_backend_name() == "sqlite" and (
        url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"
    ):
        raise ValueError(
            "names an in-memory SQLite database, which each connection of the pool would find"
            " empty and unmigrated: name a file, such as sqlite:///service.db"
        )
    if not dialect.is_async:
        supported = DRIVERS.get(url.get_backend_name()) or " or ".join(DRIVERS.values())
        raise ValueError(
            f"names the driver {url.drivername}, which is not asynchronous; use {supported}"
        )
    return url.render_as_string(hide_password=False)


def is_sqlite(url: str | URL) -> bool:
    """Whether the URL is SQLite's."""
    return make_url(url).get_backend_name() == "sqlite"
