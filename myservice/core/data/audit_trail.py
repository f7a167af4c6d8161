"""The audit trail: who changed what, and when, recorded in the write's own transaction.

    async with transaction() as session:
        row = await get_or_404(session, RefundRow, refund_id)
        before = item_of(row)
        row.quantity = 3
        await audit("refunds", row.id, "updated", before, item_of(row))

`audit` adds a record to the audit_trail table in the block's transaction: it commits with the
write or rolls back with it, so that there is no write without its record and no record without
its write. The record names the caller's subject (none on a public route, or outside a
request), the request id, the time, the action, the resource and its id, and what changed: the
values after a creation, before a deletion, else each field that changed, as [before, after].
Records older than AUDIT_RETENTION_DAYS are purged, every hour, by the process that does the
background work (serving_tasks.py). api/audit_route.py serves them.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any

import structlog
from pydantic import BaseModel
from quart import Quart, has_request_context, has_websocket_context, request, websocket
from sqlalchemy import BigInteger, Index, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ..http.request_ids import current_request_id
from ..serving_tasks import does_background_work, repeat, run_while_serving
from . import database
from .tables import Base

PURGE_EVERY = 3600  # seconds between two purges
PURGE_FIRST = 60  # seconds after the start: an app that serves a moment (a test's) never purges
PURGE_BATCH = 5000  # records deleted per transaction, so that no purge holds locks for long
DAY_MS = 86_400_000
Values = BaseModel | Mapping[str, Any] | None
log = structlog.get_logger(__name__)


class AuditRecord(Base):
    """One write of a resource: who, when, which request, what it did, and what changed."""

    __tablename__ = "audit_trail"
    __table_args__ = (
        Index("ix_audit_trail_resource", "resource", "id"),
        Index("ix_audit_trail_subject", "subject", "id"),
        Index("ix_audit_trail_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[int] = mapped_column(BigInteger)  # milliseconds since the epoch
    subject: Mapped[str | None] = mapped_column(String(255))
    request_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    resource: Mapped[str] = mapped_column(String(100))
    resource_id: Mapped[str] = mapped_column(String(255))
    changes: Mapped[str] = mapped_column(Text)  # JSON


async def audit(
    resource: str, resource_id: object, action: str, before: Values = None, after: Values = None
) -> None:
    """Record `action` on the resource in the transaction of the block it runs in.

    `before` and `after` are the resource's values (a model or a mapping): give `after` on a
    creation, `before` on a deletion, both on a change.
    """
    database.current_session().add(
        AuditRecord(
            at=time.time_ns() // 1_000_000,
            subject=_subject(),
            request_id=current_request_id(),
            action=action[:32],
            resource=resource[:100],
            resource_id=str(resource_id)[:255],
            changes=json.dumps(_changes(_values(before), _values(after)), default=str),
        )
    )


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The values after a creation, before a deletion, else each changed one as [before, after]."""
    if not (old and new):
        return new or old
    keys = sorted({*old, *new})
    return {key: [old.get(key), new.get(key)] for key in keys if old.get(key) != new.get(key)}


def _values(values: Values) -> dict[str, Any]:
    if values is None:
        return {}
    if isinstance(values, BaseModel):
        return values.model_dump(mode="json")
    return dict(values)


def _subject() -> str | None:
    """The subject of the token the request or WebSocket was sent with, if its route required one."""
    if has_request_context():
        caller = getattr(request, "caller", None)
    elif has_websocket_context():
        caller = getattr(websocket, "caller", None)
    else:
        return None
    return caller.subject if caller is not None else None


async def purge(days: int, now: int | None = None) -> int:
    """Delete the records older than `days`, a batch at a time; how many there were."""
    oldest = (time.time_ns() // 1_000_000 if now is None else now) - days * DAY_MS
    purged = 0
    while True:
        async with database.transaction() as session:
            batch = select(AuditRecord.id).where(AuditRecord.at < oldest).limit(PURGE_BATCH)
            deleted = await session.execute(delete(AuditRecord).where(AuditRecord.id.in_(batch)))
        count = int(getattr(deleted, "rowcount", 0))
        purged += count
        if count < PURGE_BATCH:
            return purged


def init_app(app: Quart) -> None:
    """Purge the records past AUDIT_RETENTION_DAYS every hour, where background work runs."""
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
