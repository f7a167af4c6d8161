"""A lock on a file beside a SQLite database: what serializes processes that share the file.

SQLite has no advisory locks, and only the processes of one machine share its file, so a lock
of the system's on a file beside it does: let go when the block ends or its process dies.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

if sys.platform != "win32":  # Windows has no flock: one process per SQLite file there
    import fcntl


@contextlib.contextmanager
def file_lock(path: str, *, wait: bool) -> Iterator[bool]:
    """Whether this process holds the lock of the file `path` for the block.

    `wait`: until it is free; otherwise False at once while another process holds it.
    """
    if sys.platform == "win32":
        yield True
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)  # which lets the lock go
