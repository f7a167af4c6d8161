"""The lock file beside a SQLite database: one holder at a time, waited for or not."""

from __future__ import annotations

import threading
from pathlib import Path

from ...data.file_lock import file_lock


def test_a_second_holder_is_told_at_once_unless_it_waits(tmp_path: Path) -> None:
    """Held: another try without waiting gets False; once let go, the next try gets it."""
    path = str(tmp_path / "shared.db.turn.lock")
    with file_lock(path, wait=False) as first:
        assert first
        with file_lock(path, wait=False) as second:
            assert not second
    with file_lock(path, wait=False) as again:
        assert again


def test_a_waiting_holder_gets_the_lock_once_it_is_let_go(tmp_path: Path) -> None:
    """wait=True blocks while another holds the lock, and holds it after."""
    path = str(tmp_path / "shared.db.migrations.lock")
    order: list[str] = []

    def wait_for_it() -> None:
        with file_lock(path, wait=True) as mine:
            order.append(f"waiter holds: {mine}")

    with file_lock(path, wait=True):
        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        waiter.join(0.3)  # time enough to take it, were it free
        order.append("first lets go")
    waiter.join(10)
    assert order == ["first lets go", "waiter holds: True"]
