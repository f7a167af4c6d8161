"""DATABASE_URL: asynchronous drivers only, filled in when a URL names none; passwords hidden."""

from __future__ import annotations

import pytest

from ..database_url import DEFAULT_DATABASE_URL, database_url, is_sqlite, masked
from ..startup import SERVICE


def test_the_default_is_a_sqlite_file_named_after_the_service() -> None:
    """No server is needed to run or test: a file in the working directory, git ignores it."""
    assert f"sqlite+aiosqlite:///{SERVICE}.db" == DEFAULT_DATABASE_URL
    assert is_sqlite(DEFAULT_DATABASE_URL)


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


def test_a_password_is_never_shown() -> None:
    """The logs and `make config` see the URL with its password as ***."""
    assert (
        masked("postgresql+asyncpg://app:hunter2@db/app") == "postgresql+asyncpg://app:***@db/app"
    )
    assert masked("sqlite+aiosqlite:///data.db") == "sqlite+aiosqlite:///data.db"
