"""The keys of Idempotency-Key as rows: claimed, answered, taken over, released and purged."""

from __future__ import annotations

import asyncio
import time

import pytest
from quart import Quart
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ...data import idempotency
from ...data.database import EXTENSION_KEY, Database
from ...data.idempotency import (
    Answer,
    Busy,
    Claimed,
    ClaimLost,
    IdempotentRequest,
    Key,
    Mismatch,
)

ANSWER = Answer(201, [("Content-Type", "application/json")], b'{"id": 1}')
HOUR = 3600


@pytest.fixture
def sessions(app: Quart) -> async_sessionmaker[AsyncSession]:
    """The sessions of the app fixture's database, migrated to the skeleton's tables too."""
    opened: Database = app.extensions[EXTENSION_KEY]
    return opened.sessions


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    fingerprint: str = "f1",
    lease: int = 60,
    lifetime: int = HOUR,
    caller: str = "c",
) -> Claimed | Answer | Busy | Mismatch:
    """Claim the key "k" as a request would."""
    return await idempotency.claim(
        sessions, Key(caller, "k"), fingerprint, lease=lease, lifetime=lifetime
    )


async def answer(sessions: async_sessionmaker[AsyncSession], claimed: object) -> None:
    """Keep ANSWER for a claim, in a transaction of its own."""
    assert isinstance(claimed, Claimed)
    async with sessions.begin() as session:
        await idempotency.keep(session, Key("c", "k"), claimed.token, ANSWER)


async def rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    """How many keys are stored."""
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(IdempotentRequest)) or 0)


async def test_a_kept_answer_is_given_to_the_same_request_and_refused_to_another(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Claimed, then answered: the same fingerprint gets the answer, another a Mismatch."""
    await answer(sessions, await claim(sessions))
    assert await claim(sessions) == ANSWER
    assert isinstance(await claim(sessions, fingerprint="f2"), Mismatch)
    assert isinstance(await claim(sessions, caller="someone else"), Claimed)


async def test_a_running_claim_is_busy_until_its_lease_ends(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A second claim while the first runs is Busy, with the seconds left of the lease."""
    await claim(sessions, lease=30)
    busy = await claim(sessions)
    assert isinstance(busy, Busy)
    assert 29 <= busy.seconds <= 30


async def test_a_claim_past_its_lease_is_taken_over_and_its_answer_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A request cut off leaves a claim a retry takes; should the first finish, it may not keep."""
    first = await claim(sessions, lease=0)
    second = await claim(sessions)
    assert isinstance(second, Claimed)
    with pytest.raises(ClaimLost):
        await answer(sessions, first)
    await answer(sessions, second)
    assert await claim(sessions) == ANSWER


async def test_a_released_key_runs_again(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A failed request gives its key up: the retry claims it anew."""
    first = await claim(sessions)
    assert isinstance(first, Claimed)
    await idempotency.release(sessions, Key("c", "k"), first.token)
    assert await rows(sessions) == 0
    assert isinstance(await claim(sessions, fingerprint="other"), Claimed)


async def test_an_expired_key_is_a_new_one_and_purged(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Past its lifetime a key is free for any request; purge() deletes it, and no other."""
    await answer(sessions, await claim(sessions, lifetime=0))
    assert isinstance(await claim(sessions, fingerprint="other", lifetime=0), Claimed)
    await idempotency.claim(sessions, Key("c", "kept"), "f", lease=60, lifetime=HOUR)
    assert await idempotency.purge(sessions, int(time.time())) == 1
    assert await rows(sessions) == 1


async def test_a_claim_cancelled_as_it_commits_gives_its_key_back(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client hangs up just as its claim commits: a retry may run at once, not after the lease."""
    committed = asyncio.Event()
    commit = idempotency._claim

    async def slow_to_answer(*args: object) -> Claimed | Answer | Busy | Mismatch:
        outcome = await commit(*args)  # type: ignore[arg-type]
        committed.set()
        await asyncio.sleep(0.2)  # the database's answer on its way back
        return outcome

    monkeypatch.setattr(idempotency, "_claim", slow_to_answer)
    cut = asyncio.ensure_future(claim(sessions))
    await committed.wait()
    cut.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cut
    monkeypatch.undo()
    assert isinstance(await claim(sessions), Claimed)
