"""When the database cannot be used now: the errors of the drivers that mean "not now".

Unreachable, too slow, locked, or out of connections: each becomes DatabaseUnavailable, which a
client hears as a 503 with Retry-After (errors.py) rather than a 500. SQLite and PostgreSQL say
so in words and SQLSTATEs of their own; both are read here. database.py listens with these on
every engine it opens.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPIConnection, ExceptionContext
from sqlalchemy.pool import ConnectionPoolEntry


class DatabaseUnavailable(Exception):  # noqa: N818 (what the client is told: unavailable)
    """The database cannot be used now: unreachable, too slow, locked, or out of connections."""


class DatabaseAway(DatabaseUnavailable):
    """Unavailable through no fault of the statement: unreachable, restarting, locked, full.

    Unlike a statement that took too long, which may be the statement's own doing, trying the
    same work again once the database is back is bound to go further (events/inbox.py does).
    """


def connect_or_unavailable(
    dialect: Dialect, _record: ConnectionPoolEntry, cargs: Any, cparams: Any
) -> DBAPIConnection:
    """Connect, or DatabaseUnavailable: the driver's own OSError or TimeoutError would be a 500.

    SQLAlchemy calls handle_error only once a connection exists, hence a listener of its own.
    """
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as error:
        raise DatabaseAway(f"cannot connect: {type(error).__name__}: {error}") from error


# SQLSTATE classes of PostgreSQL that mean "not now": connection exceptions, insufficient
# resources, operator intervention (such as a cancelled statement or a shutdown).
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57")
QUERY_CANCELED = "57014"  # a statement timeout: maybe the statement's own doing


def unavailable_when_it_is(context: ExceptionContext) -> None:
    """Raise DatabaseUnavailable for an error of a statement that means "not now"."""
    if context.is_pre_ping:
        return  # a stale pooled connection: SQLAlchemy replaces it, the request goes on
    error = context.original_exception
    if isinstance(error, asyncio.CancelledError):
        return  # the task was cancelled (a shutdown, a client gone): it must end cancelled
    state = sql_state(error)
    sqlite_busy = "database is locked" in str(error) or "unable to open database" in str(error)
    timed_out = isinstance(error, TimeoutError) or state == QUERY_CANCELED
    if timed_out:
        raise DatabaseUnavailable(f"{type(error).__name__}: {error}") from error
    if (
        context.is_disconnect
        or (state is not None and state[:2] in UNAVAILABLE_SQLSTATE_CLASSES)
        or sqlite_busy
    ):
        raise DatabaseAway(f"{type(error).__name__}: {error}") from error


def sql_state(error: BaseException | None) -> str | None:
    """The SQLSTATE of a PostgreSQL error (23505 for a unique violation), if it has one."""
    while error is not None:
        state = getattr(error, "sqlstate", None)
        if state:
            return str(state)
        error = error.__cause__
    return None
