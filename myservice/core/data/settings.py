"""The database's settings: which one (SQLite in the working directory at first), and its pool."""

from __future__ import annotations

from ..settings.setting import Setting
from ..startup import SERVICE

DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{SERVICE}.db"


def database_url(value: object) -> str:
    """The DATABASE_URL setting, parsed and given its driver by SQLAlchemy (url.py).

    SQLAlchemy is imported when a URL is checked, not with the table of settings.
    """
    from .url import database_url as parsed  # noqa: PLC0415 (see the docstring)

    return parsed(value)


SETTINGS = {
    "DATABASE_POOL_SIZE": Setting(5, int, minimum=1),
    "DATABASE_POOL_TIMEOUT": Setting(5, int, minimum=1),
    "DATABASE_TIMEOUT": Setting(10, int, minimum=1),
    "DATABASE_URL": Setting(DEFAULT_DATABASE_URL, str, check=database_url),
}
