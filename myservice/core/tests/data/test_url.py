"""DATABASE_URL: asynchronous drivers only, filled in when a URL names none; passwords hidden."""

from __future__ import annotations

import pytest

from ...data.url import database_url


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://app:pw@db:5432/app", "postgresql+asyncpg://app:pw@db:5432/app"),
        ("sqlite:///data.db", "sqlite+aiosqlite:///data.db"),
        ("postgresql+asyncpg://db/app", "postgresql+asyncpg://db/app"),
    ],
)
def test_a_url_without_a_driver_gets_the_asynchronous_one(given: str, used: str) -> None:
    """postgresql:// and sqlite:// get asyncpg and aiosqlite; a named driver is kept."""
    assert database_url(given) == used


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("not a url", "is not a database URL, such as postgresql://user@host/name"),
        (
            "postgresql+psycopg2://db/app",
            "names the driver postgresql+psycopg2, which is not asynchronous; use postgresql+asyncpg",
        ),
        (
            "mysql://db/app",
            "names the driver mysql, which is not asynchronous; use sqlite+aiosqlite or"
            " postgresql+asyncpg",
        ),
        (
            "sqlite+aiosqlite:///:memory:",
            "names an in-memory SQLite database, which each connection of the pool would find"
            " empty and unmigrated: name a file, such as sqlite:///service.db",
        ),
        (
            "sqlite://",
            "names an in-memory SQLite database, which each connection of the pool would find"
            " empty and unmigrated: name a file, such as sqlite:///service.db",
        ),
        (
            "oracle+nosuch://db/app",
            "names oracle+nosuch, which this service cannot use; use one of sqlite+aiosqlite,"
            " postgresql+asyncpg",
        ),
    ],
)
def test_a_url_the_service_cannot_use_is_refused_saying_why(given: str, reason: str) -> None:
    """Each refusal is the end of the one line the start stops with."""
    with pytest.raises(ValueError) as refused:  # noqa: PT011 (the message is checked below)
        database_url(given)
    assert str(refused.value) == reason
