"""The HTTP server of the tests' stand-ins (the key server, a downstream), quiet when a client hangs up.

A test that gives up on a slow answer closes its connection; the standard library's server
would then print the traceback of the write that failed, in the middle of the test run's
output. Any other error is still printed.
"""

from __future__ import annotations

import sys
from http.server import ThreadingHTTPServer
from socket import socket
from typing import Any


class QuietHTTPServer(ThreadingHTTPServer):
    """A server thread per request, none of which keeps the tests' process alive."""

    daemon_threads = True

    def handle_error(self, request: socket | tuple[bytes, socket], client_address: Any) -> None:
        """Say nothing of a client that hung up; print any other error, as the base class does."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
