"""Turns: of all the processes on one database, one at a time runs a pass of background work.

The relay, the delivery, the scheduler and the audit trail's purge take turns so: no message
is sent or handled by two processes at once, those of a key keep their order, no tick is fired
twice, no two purges fight over the same rows. On PostgreSQL the turn is an advisory lock of
the pass's transaction, let go when the transaction ends or its connection dies with its
process. On a SQLite file, which only the processes of one machine share, it is a lock on a
file beside the database, which the system lets go when the pass ends or its process dies; a
pass that ends well commits first, so that the next holder reads what it wrote.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ..identity import SERVICE
from .database import database
from .file_lock import file_lock


@contextlib.asynccontextmanager
async def turn(session: AsyncSession, name: str) -> AsyncIterator[bool]:
    """Whether this process has the turn `name` for the block, or another has it now.

    On PostgreSQL, the turn lasts as long as `session`'s transaction, which the block must hold:
    a transaction() or an apart(), never a reading(), whose statements each commit at once.
    """
    url = database().engine.url
    if url.get_backend_name() != "sqlite":
        lock = zlib.crc32(f"{SERVICE} {name}".encode())
        yield bool(
            await session.scalar(text("SELECT pg_try_advisory_xact_lock(:lock)"), {"lock": lock})
        )
        return
    with file_lock(f"{url.database}.{name}.lock", wait=False) as mine:
        yield mine
        if mine:
            await session.commit()
