"""The inbox's rows are written only as a delivery saw them: never over another's outcome."""

from __future__ import annotations

from quart import Quart

from ...data.database import reading, transaction
from ...events.inbox_entries import InboxEntry, Outcome, entry_of, write_entry
from ...events.messages import Message
from .consumers import NOTE, consuming

__all__ = ["consuming"]
MESSAGE = Message("m1", "parcel.shipped", "{}")


async def write(seen: InboxEntry | None, outcome: Outcome) -> bool:
    """Write `outcome` as a delivery that saw `seen`, in a transaction of its own."""
    async with transaction() as session:
        return await write_entry(session, seen, entry_of(NOTE, MESSAGE, outcome))


async def stored() -> InboxEntry | None:
    """The row of NOTE and MESSAGE."""
    async with reading() as session:
        return await session.get(InboxEntry, (NOTE.name, MESSAGE.id))


async def test_a_row_another_delivery_inserted_is_not_written_over(consuming: Quart) -> None:
    """Two deliveries that saw no row: the first inserts it; the second's insert is refused."""
    assert await write(None, Outcome("done", 1))
    assert not await write(None, Outcome("retry", 1, next_at=1))
    row = await stored()
    assert row is not None
    assert (row.state, row.attempts) == ("done", 1)


async def test_a_retry_seen_is_updated_and_a_stale_one_refused(consuming: Quart) -> None:
    """The retry this delivery saw becomes done; a delivery that saw an older attempt writes nothing."""
    assert await write(None, Outcome("retry", 1, next_at=1, reason="failed"))
    seen = await stored()
    assert seen is not None
    assert await write(seen, Outcome("done", 2))
    assert not await write(seen, Outcome("retry", 2, next_at=1))
    row = await stored()
    assert row is not None
    assert (row.state, row.attempts, row.error) == ("done", 2, None)
