"""The audit trail's purge: records past their days deleted a batch at a time, by one process."""

from __future__ import annotations

import pytest
from quart import Quart
from sqlalchemy import event, select

from ...data import audit_purge
from ...data.audit_purge import DAY_MS, purge
from ...data.audit_trail import AuditRecord
from ...data.database import apart, database, reading, transaction
from ...data.turns import turn

NOW = 100 * DAY_MS


async def store(*ages: int) -> None:
    """Records `ages` milliseconds old at NOW."""
    async with transaction() as session:
        for age in ages:
            session.add(
                AuditRecord(
                    at=NOW - age, action="created", resource="notes", resource_id="1", changes="{}"
                )
            )


async def kept() -> list[int]:
    """The ages of the records left."""
    async with reading() as session:
        return [NOW - at for at in await session.scalars(select(AuditRecord.at))]


async def test_records_past_their_days_are_purged_a_batch_at_a_time(
    app: Quart, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five records two days old, one exactly a day old, one new; a day kept: three batches.

    Batches of two delete the five; the two others stay.
    """
    monkeypatch.setattr(audit_purge, "PURGE_BATCH", 2)
    monkeypatch.setattr(audit_purge, "PAUSE", 0)
    statements: list[str] = []
    async with app.app_context():
        await store(*(2 * DAY_MS,) * 5, DAY_MS, 0)

        def seen(_conn: object, _cursor: object, sql: str, *_: object) -> None:
            if sql.lstrip().upper().startswith("DELETE"):
                statements.append(sql)

        engine = database().engine.sync_engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            assert await purge(days=1, now=NOW) == 5
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert sorted(await kept()) == [0, DAY_MS]
    assert len(statements) == 3


async def test_a_purge_another_process_runs_is_left_to_it(app: Quart) -> None:
    """The turn held elsewhere: this process purges nothing, and says so with None."""
    async with app.app_context():
        await store(2 * DAY_MS)
        async with apart() as other, turn(other, "audit-purge") as held:
            assert held
            assert await purge(days=1, now=NOW) is None
        assert await purge(days=1, now=NOW) == 1
