"""The answers kept for Idempotency-Key (data/idempotent.py): a claim while it runs, then the answer.

One row per caller and key. A request claims its key in a short transaction of its own,
committed before the view runs, so that a retry sent meanwhile sees the claim (a 409) instead
of waiting on a lock. The view's writes and its answer are then committed together (keep()):
a retry finds either the answer, or nothing written. A claim has a token and a lease: a request
cut off with its worker leaves a claim that a retry takes over once the lease is over, and the
first request, should it still finish, finds its token gone and rolls back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from dataclasses import dataclass

import structlog
from quart import Quart
from sqlalchemy import BigInteger, ColumnElement, LargeBinary, String, Text, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from ..serving_tasks import repeat, run_while_serving
from . import database
from .tables import Base

PURGE_INTERVAL = 600  # seconds between two purges of the expired answers
log = structlog.get_logger(__name__)


class IdempotentRequest(Base):
    """A request sent with an Idempotency-Key: claimed while it runs, then answered."""

    __tablename__ = "idempotent_requests"

    caller: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    token: Mapped[str | None] = mapped_column(String(32))  # the running request's; None once kept
    leased_until: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int] = mapped_column(BigInteger, index=True)
    status: Mapped[int | None]
    headers: Mapped[str | None] = mapped_column(Text)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)


@dataclass(frozen=True)
class Key:
    """A caller's key: `caller` a digest of who sent it, "" for the callers of a public route."""

    caller: str
    key: str


@dataclass(frozen=True)
class Answer:
    """An answer as it was first given, to give again."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Claimed:
    """The key is this request's to run: `token` proves it when the answer is kept."""

    token: str


@dataclass(frozen=True)
class Busy:
    """Another request with the key is running; its lease ends in `seconds`."""

    seconds: int


class Mismatch:
    """The key was used for another request: another method, path or body."""


class ClaimLost(Exception):  # noqa: N818 (says what happened)
    """The request ran past its lease and a retry took the key over: its writes must not stay."""


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    key: Key,
    fingerprint: str,
    *,
    lease: int,
    lifetime: int,
) -> Claimed | Answer | Busy | Mismatch:
    """Claim `key` for `lease` seconds, kept `lifetime`; or say why the request may not run now.

    Cancelled meanwhile (its client gone), the claim ends and is given back: else its key stays
    held until the lease runs out.
    """
    claiming = asyncio.ensure_future(_claim(sessions, key, fingerprint, lease, lifetime))
    try:
        return await asyncio.shield(claiming)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            if isinstance(outcome := await claiming, Claimed):
                await release(sessions, key, outcome.token)
        raise


async def _claim(
    sessions: async_sessionmaker[AsyncSession],
    key: Key,
    fingerprint: str,
    lease: int,
    lifetime: int,
) -> Claimed | Answer | Busy | Mismatch:
    now = int(time.time())
    token = secrets.token_hex(16)
    try:
        async with sessions.begin() as session:
            row = await session.get(IdempotentRequest, (key.caller, key.key), with_for_update=True)
            if row is not None and row.expires_at > now:
                if row.fingerprint != fingerprint:
                    return Mismatch()
                if row.token is None:
                    headers = [(name, value) for name, value in json.loads(row.headers or "[]")]
                    return Answer(row.status or 500, headers, row.body or b"")
                if row.leased_until > now:
                    return Busy(row.leased_until - now)
            if row is None:
                row = IdempotentRequest(caller=key.caller, key=key.key)
                session.add(row)
            row.fingerprint, row.token = fingerprint, token
            row.status, row.headers, row.body = None, None, None
            row.leased_until, row.expires_at = now + lease, now + lifetime
    except IntegrityError:
        return Busy(1)  # a request with the same key claimed it first, a moment ago
    return Claimed(token)


async def keep(session: AsyncSession, key: Key, token: str, answer: Answer) -> None:
    """Store the answer in the view's transaction; ClaimLost if the claim is no longer ours."""
    kept = await session.execute(
        update(IdempotentRequest)
        .where(*_claimed(key, token))
        .values(
            token=None, status=answer.status, headers=json.dumps(answer.headers), body=answer.body
        )
    )
    if getattr(kept, "rowcount", 0) != 1:
        raise ClaimLost(key.key)


async def release(sessions: async_sessionmaker[AsyncSession], key: Key, token: str) -> None:
    """Give the key up, as if never claimed: the request failed, so a retry may run it again."""
    async with sessions.begin() as session:
        await session.execute(delete(IdempotentRequest).where(*_claimed(key, token)))


def _claimed(key: Key, token: str) -> tuple[ColumnElement[bool], ...]:
    return (
        IdempotentRequest.caller == key.caller,
        IdempotentRequest.key == key.key,
        IdempotentRequest.token == token,
    )


async def purge(sessions: async_sessionmaker[AsyncSession], now: int | None = None) -> int:
    """Delete the answers and claims that have expired; how many there were."""
    moment = int(time.time()) if now is None else now
    async with sessions.begin() as session:
        purged = await session.execute(
            delete(IdempotentRequest).where(IdempotentRequest.expires_at <= moment)
        )
    return int(getattr(purged, "rowcount", 0))


def init_app(app: Quart) -> None:
    """Purge the expired keys every PURGE_INTERVAL from one PURGE_INTERVAL in (a test's app: never)."""

    async def one_purge() -> bool:
        found: database.Database = app.extensions[database.EXTENSION_KEY]
        async with found.turn():
            purged = await purge(found.sessions)
        if purged:
            log.info("idempotency keys purged", purged=purged)
        return False

    async def failed(error: BaseException) -> None:
        log.warning("idempotency keys not purged", exc_info=error)

    async def purge_now_and_then() -> None:
        await asyncio.sleep(PURGE_INTERVAL)
        await repeat(one_purge, PURGE_INTERVAL, failed, PURGE_INTERVAL)

    run_while_serving(app, purge_now_and_then)
