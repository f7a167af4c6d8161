"""The database's settings: SQLite in the working directory by default, any URL checked."""

from __future__ import annotations

from ...data.settings import DEFAULT_DATABASE_URL
from ...data.url import is_sqlite
from ...identity import SERVICE


def test_the_default_is_a_sqlite_file_named_after_the_service() -> None:
    """No server is needed to run or test: a file in the working directory, git ignores it."""
    assert f"sqlite+aiosqlite:///{SERVICE}.db" == DEFAULT_DATABASE_URL
    assert is_sqlite(DEFAULT_DATABASE_URL)
