"""The session of reading(), which refuses every write.

On PostgreSQL reading() runs each statement on its own (database.py), so a write there would be
committed at once, and under SQLite's driver, never rolled back in a reading() of its own
accord: either way a view that writes in reading() means transaction(). Refused: an ORM change
flushed (a row added, changed or deleted) and an INSERT, UPDATE or DELETE statement. A statement
written out with text() is not parsed, and not checked.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction


class WriteInReadingError(RuntimeError):
    """Code in reading() tried to write."""

    def __init__(self) -> None:
        """Say what to use instead."""
        super().__init__("reading() does not write: write inside `async with transaction():`")


class ReadingSession(Session):
    """The session under reading(), which refuses every write."""


@event.listens_for(ReadingSession, "before_flush")
def _no_changes(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    if session.new or session.deleted or session.dirty:
        raise WriteInReadingError


@event.listens_for(ReadingSession, "do_orm_execute")
def _no_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise WriteInReadingError
