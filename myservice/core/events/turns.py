"""Turns: of all the processes on one database, one at a time runs a pass of the relay or delivery.

So that no message is sent or handled by two processes at once, and those of a key keep their
order. On PostgreSQL the turn is an advisory lock of the pass's transaction, let go when the
transaction ends or its connection dies with its process. On a SQLite file, which only the
processes of one machine share, it is a lock on a file beside the database, which the system
lets go when the pass ends or its process dies. An in-memory SQLite database is its process's own.
"""

from __future__ import annotations

import contextlib
import os
import sys
import zlib
from collections.abc import AsyncIterator, Iterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ..data.database import database
from ..startup import SERVICE

if sys.platform != "win32":  # Windows has no flock: one process per SQLite file there
    import fcntl


@contextlib.asynccontextmanager
async def turn(session: AsyncSession, name: str) -> AsyncIterator[bool]:
    """Whether this process has the turn `name` for the block, or another has it now.

    On PostgreSQL, the turn lasts as long as `session`'s transaction, which the block must hold.
    """
    url = database().engine.url
    if url.get_backend_name() != "sqlite":
        lock = zlib.crc32(f"{SERVICE} {name}".encode())
        yield bool(
            await session.scalar(text("SELECT pg_try_advisory_xact_lock(:lock)"), {"lock": lock})
        )
        return
    if not url.database or url.database == ":memory:":
        yield True
        return
    with _file_lock(f"{url.database}.{name}.lock") as mine:
        yield mine


@contextlib.contextmanager
def _file_lock(path: str) -> Iterator[bool]:
    """Whether this process holds the lock of the file `path` for the block."""
    if sys.platform == "win32":
        yield True
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)  # which lets the lock go
