"""GET /audit-trail: the audit records (data/audit_trail.py), newest first, a page at a time.

Only to callers granted AUDIT_SCOPE, and only where tokens can be checked (an identity provider,
or the development key). Filtered by resource, subject and time, in the order of their time then
id, which the table's indexes hold; `before` takes the `next` of the page before (the last
record's time and id), so that pages stay right while records are added. A parameter it does not
know is refused, as a typo would read the whole trail. Hidden from the service's OpenAPI
document, as the skeleton's other operators' routes are: it is not the service's API.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, ConfigDict, Field
from quart import Blueprint, Quart
from quart_schema import hide
from sqlalchemy import select, tuple_

from ..data.audit_trail import AuditRecord
from ..data.database import reading
from ..data.tables import milliseconds
from ..http.access import requires, tokens_checked
from .validation import Model, PlainText, Query, validate_querystring, validate_response

PATH = "/audit-trail"
CURSOR = r"^[0-9]{1,15}-[0-9]{1,18}$"  # the last record's time (ms) and id


class AuditQuery(Query):
    """Which records to list: filters, and where the page starts."""

    model_config = ConfigDict(extra="forbid")

    resource: PlainText | None = Field(None, max_length=100, description="Only this resource's.")
    subject: PlainText | None = Field(None, max_length=255, description="Only this caller's.")
    since: AwareDatetime | None = Field(None, description="Only records at or after this time.")
    until: AwareDatetime | None = Field(None, description="Only records before this time.")
    before: str | None = Field(None, pattern=CURSOR, description="The `next` of the page before.")
    limit: int = Field(50, ge=1, le=200, description="The most records to return.")


class AuditEntry(Model):
    """One write: who, when, which request, what it did to which resource, and what changed."""

    id: int
    at: datetime
    subject: str | None
    request_id: str | None
    action: str
    resource: str
    resource_id: str
    changes: dict[str, Any]


class AuditPage(Model):
    """Records, newest first, and where the next page starts."""

    records: list[AuditEntry]
    next: str | None = Field(description="To pass as `before` for the next page; null on the last.")


def init_app(app: Quart) -> None:
    """Serve GET /audit-trail to AUDIT_SCOPE, where tokens can be checked."""
    if tokens_checked(app):
        app.register_blueprint(_blueprint(app.config["AUDIT_SCOPE"]))


def _blueprint(scope: str) -> Blueprint:
    """The route, for callers granted `scope`; one blueprint per app, as the scope is its own."""
    blueprint = Blueprint("_audit_trail", __name__)

    @blueprint.get(PATH)
    @hide
    @requires(scope)
    @validate_querystring(AuditQuery)
    @validate_response(AuditPage)
    async def audit_trail(query_args: AuditQuery) -> AuditPage:
        """The audit records that match, newest first, `limit` at most."""
        return await page_of(query_args)

    return blueprint


async def page_of(query: AuditQuery) -> AuditPage:
    """The page of records `query` asks for, newest first."""
    newest_first = (AuditRecord.at.desc(), AuditRecord.id.desc())
    statement = select(AuditRecord).order_by(*newest_first).limit(query.limit + 1)
    if query.resource is not None:
        statement = statement.where(AuditRecord.resource == query.resource)
    if query.subject is not None:
        statement = statement.where(AuditRecord.subject == query.subject)
    if query.since is not None:
        statement = statement.where(AuditRecord.at >= milliseconds(query.since))
    if query.until is not None:
        statement = statement.where(AuditRecord.at < milliseconds(query.until))
    if query.before is not None:
        at, record_id = (int(part) for part in query.before.split("-"))
        statement = statement.where(tuple_(AuditRecord.at, AuditRecord.id) < (at, record_id))
    async with reading() as session:
        rows = (await session.scalars(statement)).all()
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return AuditPage(
        records=[_entry(row) for row in page],
        next=f"{page[-1].at}-{page[-1].id}" if more else None,
    )


def _entry(row: AuditRecord) -> AuditEntry:
    """The record as the route answers it."""
    return AuditEntry(
        id=row.id,
        at=datetime.fromtimestamp(row.at / 1000, UTC),
        subject=row.subject,
        request_id=row.request_id,
        action=row.action,
        resource=row.resource,
        resource_id=row.resource_id,
        changes=json.loads(row.changes),
    )
