"""The base of the service's tables, the names their constraints get, and how they keep time.

Every table of the service's data/ derives from Base, so that its metadata holds them all for
the migrations. Constraints are named after their table and columns (uq_refunds_name), the
same on SQLite and PostgreSQL, so that a migration can drop them by name and a violation can be
traced back to the fields at fault. The skeleton's tables keep moments as milliseconds since
the epoch (milliseconds()), the same integer on every database.
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """A table of the service's: `class Refund(Base): __tablename__ = "refunds"`."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def constraint_columns(name: str, metadata: MetaData = Base.metadata) -> list[str]:
    """The columns of the constraint `name` in any of the tables, if one has it."""
    for table in metadata.tables.values():
        for constraint in table.constraints:
            if constraint.name == name:
                return [column.name for column in getattr(constraint, "columns", ())]
    return []


def milliseconds(moment: datetime | None = None) -> int:
    """`moment` (by default, now) in milliseconds since the epoch: how the tables keep time."""
    if moment is None:
        return time.time_ns() // 1_000_000
    return round(moment.timestamp() * 1000)
