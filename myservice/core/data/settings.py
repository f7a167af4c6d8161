"""The database's settings: which one, its pool, how long keys and audit records are kept.

The database is SQLite, in a file of the working directory, until DATABASE_URL names another.
"""

from __future__ import annotations

from ..identity import SERVICE
from ..settings.setting import Setting, one_scope

DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{SERVICE}.db"


def database_url(value: str) -> str:
    """The DATABASE_URL setting, parsed and given its driver by SQLAlchemy (url.py).

    SQLAlchemy is imported when a URL is checked, not with the table of settings.
    """
    from .url import database_url as parsed  # noqa: PLC0415 (see the docstring)

    return parsed(value)


SETTINGS: dict[str, Setting] = {
    "AUDIT_RETENTION_DAYS": Setting(365, int, minimum=1),
    "AUDIT_SCOPE": Setting("audit:read", str, check=one_scope),
    "DATABASE_POOL_SIZE": Setting(5, int, minimum=1),
    "DATABASE_POOL_TIMEOUT": Setting(5, int, minimum=1),
    "DATABASE_TIMEOUT": Setting(10, int, minimum=1),
    "DATABASE_URL": Setting(DEFAULT_DATABASE_URL, str, check=database_url),
    "IDEMPOTENCY_KEY_HOURS": Setting(24, int, minimum=1),
}
