"""`make run`'s first step: a port that another server holds is one line, not a traceback.

The development server would otherwise start, fail to bind, and print Hypercorn's traceback of
`OSError: [Errno 98] Address already in use`.
"""

from __future__ import annotations

import socket
import sys


def check_free(host: str, port: int) -> None:
    """Return if a server could listen on `host`:`port`; else exit with one line saying why."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As servers do: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise SystemExit(
                f"cannot serve on {host}:{port}: {error.strerror or error}."
                f" Stop what holds it, or choose another port: make run PORT={port + 1}"
            ) from None


if __name__ == "__main__":
    check_free(sys.argv[1], int(sys.argv[2]))
