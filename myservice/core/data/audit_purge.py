"""The audit trail kept to AUDIT_RETENTION_DAYS: older records purged every hour.

By the process that does the background work (serving_tasks.py: the worker with a broker, else
the serving processes), taking the turn "audit-purge" (turns.py) so that two processes never
fight over the same rows; a batch of PURGE_BATCH at a time, with a pause between two, so that
on SQLite, whose writers wait for each other, requests never wait long behind a purge.
"""

from __future__ import annotations

import asyncio

import structlog
from quart import Quart
from sqlalchemy import delete, select

from ..serving_tasks import does_background_work, repeat, run_while_serving
from . import database
from .audit_trail import AuditRecord
from .tables import milliseconds
from .turns import turn

PURGE_EVERY = 3600  # seconds between two purges
PURGE_FIRST = 60  # seconds after the start: an app that serves a moment (a test's) never purges
PURGE_BATCH = 5000  # records deleted per transaction
PAUSE = 0.05  # seconds between two batches
DAY_MS = 86_400_000
log = structlog.get_logger(__name__)


async def purge(days: int, now: int | None = None) -> int | None:
    """Delete the records more than `days` old; how many, or None if another process purges."""
    oldest = (milliseconds() if now is None else now) - days * DAY_MS
    purged = 0
    while True:
        async with database.transaction() as session, turn(session, "audit-purge") as mine:
            if not mine:
                return None
            batch = select(AuditRecord.id).where(AuditRecord.at < oldest).limit(PURGE_BATCH)
            deleted = await session.execute(delete(AuditRecord).where(AuditRecord.id.in_(batch)))
        count = int(getattr(deleted, "rowcount", 0))
        purged += count
        if count < PURGE_BATCH:
            return purged
        await asyncio.sleep(PAUSE)


def init_app(app: Quart) -> None:
    """Purge every PURGE_EVERY, from PURGE_FIRST after the start, where background work runs."""
    if app.config["TESTING"] or not does_background_work(app):
        return

    async def one_purge() -> bool:
        async with app.app_context():
            purged = await purge(app.config["AUDIT_RETENTION_DAYS"])
        if purged:
            log.info("audit records purged", purged=purged)
        return False

    async def failed(error: BaseException) -> None:
        log.warning("audit records not purged", reason=repr(error))

    async def purge_now_and_then() -> None:
        await asyncio.sleep(PURGE_FIRST)
        await repeat(one_purge, PURGE_EVERY, failed, PURGE_EVERY)

    run_while_serving(app, purge_now_and_then)
