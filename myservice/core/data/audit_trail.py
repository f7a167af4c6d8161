"""The audit trail: who changed what, and when, recorded in the write's own transaction.

    async with transaction() as session:
        row = await get_or_404(session, RefundRow, refund_id)
        before = item_of(row)
        row.quantity = 3
        await audit("refunds", row.id, "updated", before, item_of(row))

`audit` adds a record to the audit_trail table in the block's transaction: it commits with the
write or rolls back with it, so that there is no write without its record and no record without
its write. A write made in an apart() session passes it as `session=`. The record names the
caller's token subject (none on a public route, in a consumer, or outside a request), the
request id (a consumer's: that of the request that published its message), the time, the
action, the resource and its id, and what changed (audit_changes.py). audit_purge.py keeps it
to AUDIT_RETENTION_DAYS; api/audit_route.py serves it.
"""

from __future__ import annotations

import hashlib

from quart import has_request_context, has_websocket_context, request, websocket
from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from ..http.request_ids import current_request_id
from . import database
from .audit_changes import Values, changes_of
from .tables import Base, milliseconds

# The longest each name may be: its column's length.
LENGTHS = {"action": 32, "resource": 100, "resource_id": 255}
SUBJECT_LENGTH = 255


class AuditRecord(Base):
    """One write of a resource: who, when, which request, what it did, and what changed."""

    __tablename__ = "audit_trail"
    __table_args__ = (
        Index("ix_audit_trail_at", "at", "id"),
        Index("ix_audit_trail_resource", "resource", "at", "id"),
        Index("ix_audit_trail_subject", "subject", "at", "id"),
        {"sqlite_autoincrement": True},  # an id once given is never given again, purged or not
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[int] = mapped_column(BigInteger)  # milliseconds since the epoch
    subject: Mapped[str | None] = mapped_column(String(SUBJECT_LENGTH))
    request_id: Mapped[str | None] = mapped_column(String(128))  # as long as one may be
    action: Mapped[str] = mapped_column(String(LENGTHS["action"]))
    resource: Mapped[str] = mapped_column(String(LENGTHS["resource"]))
    resource_id: Mapped[str] = mapped_column(String(LENGTHS["resource_id"]))
    changes: Mapped[str] = mapped_column(Text)  # JSON


async def audit(  # noqa: PLR0913 (what a record says, and the session of an apart() write)
    resource: str,
    resource_id: object,
    action: str,
    before: Values = None,
    after: Values = None,
    *,
    session: AsyncSession | None = None,
) -> None:
    """Record `action` on the resource in the transaction of the write (of the enclosing block).

    `before` and `after` are the resource's values (a model or a mapping): give `after` on a
    creation, `before` on a deletion, both on a change. A name too long for its column is a
    ValueError rather than cut, which could make two resources one.
    """
    named = {"resource": resource, "resource_id": str(resource_id), "action": action}
    for field, value in named.items():
        longest = LENGTHS[field]
        if not value or len(value) > longest:
            raise ValueError(f"audit(): {field} must be 1 to {longest} characters, not {value!r}")
    (session or database.current_session()).add(
        AuditRecord(
            at=milliseconds(),
            subject=_subject(),
            request_id=current_request_id(),
            changes=changes_of(before, after),
            **named,
        )
    )


def _subject() -> str | None:
    """The subject of the token the request or WebSocket was sent with, if its route required one.

    (callers/auth.py's current_caller, which this floor cannot import.) A subject longer than
    its column keeps its start and a digest of the whole, so that two stay two.
    """
    if has_request_context():
        caller = getattr(request, "caller", None)
    elif has_websocket_context():
        caller = getattr(websocket, "caller", None)
    else:
        return None
    if caller is None:
        return None
    subject: str = caller.subject
    if len(subject) <= SUBJECT_LENGTH:
        return subject
    return f"{subject[:180]}...sha256:{hashlib.sha256(subject.encode()).hexdigest()}"
