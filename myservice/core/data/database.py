"""The database: an engine opened when serving starts and disposed after the drain.

Views reach it through one of two helpers, in an `async with`:

    async with transaction() as session:   # committed when the block ends, before the answer
        session.add(Refund(name=..., quantity=...))

    async with reading() as session:       # refuses to write: nothing is committed
        refund = await get_or_404(session, Refund, refund_id)

A 2xx therefore means the row is committed. A `transaction()` opened inside another, such as
the one an Idempotency-Key request runs in (data/idempotent.py), joins it: its writes are
committed with the outer one's, or not at all. The pool is bounded (DATABASE_POOL_SIZE, no
overflow), its connections go first come, first served (connection_turns.py), and every wait
is bounded (DATABASE_POOL_TIMEOUT, DATABASE_TIMEOUT); a database that cannot be reached, is
locked or answers too slowly becomes DatabaseUnavailable: a 503 with Retry-After (errors.py).
SQLite enforces foreign keys and writes ahead (WAL), so that readers do not wait for a writer.

On PostgreSQL reading() runs each statement on its own (autocommit), without the BEGIN and
ROLLBACK that would double its round trips, and refuses every write (read_only.py). A read that
needs one snapshot or a lock across statements takes `apart()`: a transaction of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from quart import Quart, current_app
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry
from werkzeug.exceptions import NotFound

from .connection_turns import ConnectionTurns
from .outages import connect_or_unavailable, unavailable_when_it_is
from .read_only import ReadingSession
from .url import is_sqlite

EXTENSION_KEY = __name__
T = TypeVar("T")
# The session of the transaction this task is in, which an inner transaction() joins.
_current: ContextVar[AsyncSession | None] = ContextVar("transaction", default=None)


@dataclass
class Database:
    """The app's engine and its sessions, for transaction() and for reading()."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    readers: async_sessionmaker[AsyncSession]
    turns: ConnectionTurns | None  # None for a pool of another kind (NullPool)

    def turn(self) -> AbstractAsyncContextManager[None]:
        """Wait in line for one of the pool's connections; every user of the pool does."""
        return self.turns.turn() if self.turns is not None else nullcontext()


def init_app(app: Quart) -> None:
    """Open the engine when serving starts; dispose of it once serving has stopped."""

    @app.before_serving
    async def open_database() -> None:
        app.extensions[EXTENSION_KEY] = open_engine(app.config)

    @app.after_serving
    async def close_database() -> None:
        database: Database | None = app.extensions.pop(EXTENSION_KEY, None)
        if database is not None:
            await database.engine.dispose()


def open_engine(settings: dict[str, Any], **options: Any) -> Database:
    """An engine for DATABASE_URL with the settings' pool and timeouts; `options` add to them."""
    url: str = settings["DATABASE_URL"]
    timeout: int = settings["DATABASE_TIMEOUT"]
    # SQLite's timeout is how long to wait for another connection's lock; asyncpg's are for
    # connecting and for each statement.
    connect_args = (
        {"timeout": timeout} if is_sqlite(url) else {"timeout": timeout, "command_timeout": timeout}
    )
    # A pool of its own size and timeout, unless the caller asks for another kind (NullPool).
    size, wait = settings["DATABASE_POOL_SIZE"], settings["DATABASE_POOL_TIMEOUT"]
    own_pool = "poolclass" not in options
    pool = {"pool_size": size, "max_overflow": 0, "pool_timeout": wait} if own_pool else {}
    # A server can drop pooled connections (a restart, a failover): check each before use, so
    # that the service recovers by itself. A SQLite file has no server, and the check would
    # double the trips to aiosqlite's thread.
    # hide_parameters: an error's message, logged with the traceback of a 500, would otherwise
    # quote the bound values of the statement, which are the clients' data.
    engine = create_async_engine(
        url,
        connect_args=connect_args,
        pool_pre_ping=not is_sqlite(url),
        hide_parameters=True,
        **pool,
        **options,
    )
    event.listen(engine.sync_engine, "do_connect", connect_or_unavailable)
    event.listen(engine.sync_engine, "handle_error", unavailable_when_it_is)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    # SQLite's driver begins no transaction for a SELECT: there is nothing to spare.
    readers = engine if is_sqlite(url) else engine.execution_options(isolation_level="AUTOCOMMIT")
    return Database(
        engine,
        async_sessionmaker(engine, expire_on_commit=False),
        async_sessionmaker(readers, expire_on_commit=False, sync_session_class=ReadingSession),
        ConnectionTurns(size, wait) if own_pool else None,
    )


def database() -> Database:
    """The current app's database; RuntimeError outside a serving app, saying what to do."""
    found: Database | None = current_app.extensions.get(EXTENSION_KEY)
    if found is None:
        raise RuntimeError(
            "the database opens when the app starts serving: in a test, use the `app` fixture,"
            " or `async with app.test_app()`"
        )
    return found


@asynccontextmanager
async def transaction() -> AsyncIterator[AsyncSession]:
    """A session whose changes are committed when the block ends, and rolled back on an error.

    Inside another transaction(), the outer one's session: the outermost block commits.
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    found = database()
    async with found.turn(), found.sessions.begin() as session:
        token = _current.set(session)
        try:
            yield session
        finally:
            _current.reset(token)


def current_session() -> AsyncSession:
    """The session of the transaction() this code runs in; RuntimeError, saying so, outside one."""
    session = _current.get()
    if session is None:
        raise RuntimeError(
            "this writes with the data: call it inside `async with transaction():`, so that it is"
            " committed with the rest, or not at all"
        )
    return session


@asynccontextmanager
async def reading() -> AsyncIterator[AsyncSession]:
    """A session for reading; one that writes gets a WriteInReadingError, and writes nothing."""
    found = database()
    async with found.turn(), found.readers() as session:
        yield session


@asynccontextmanager
async def apart() -> AsyncIterator[AsyncSession]:
    """A transaction of its own, which a transaction() inside it does not join; committed."""
    found = database()
    async with found.turn(), found.sessions.begin() as session:
        yield session


async def get_or_404(session: AsyncSession, table: type[T], key: object) -> T:
    """The row of `table` with primary key `key`, or a 404 problem.

    A whole number no 64-bit key can hold matches no row: neither database is asked, for the
    drivers would refuse it with errors of their own.
    """
    if isinstance(key, int) and not -(2**63) <= key < 2**63:
        raise NotFound(f"There is no {getattr(table, '__tablename__', 'such')} item {key}.")
    row = await session.get(table, key)
    if row is None:
        raise NotFound(f"There is no {getattr(table, '__tablename__', 'such')} item {key}.")
    return row


def _sqlite_pragmas(connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()
