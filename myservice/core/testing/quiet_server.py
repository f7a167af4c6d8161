"""The HTTP server of the tests' stand-ins (key server, downstream, OTLP receiver), on a thread.

Each stand-in is a handler class served by `QuietHTTPServer.started()`, on a port of 127.0.0.1,
from a thread of its own, until stop(). The server is quiet when a client hangs up: a test that
gives up on a slow answer closes its connection, and the standard library's server would then
print the traceback of the write that failed, in the middle of the test run's output. Any other
error is still printed.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from typing import Any


class QuietHTTPServer(ThreadingHTTPServer):
    """A server thread per request, none of which keeps the tests' process alive."""

    daemon_threads = True
    # The standard library's backlog of 5 drops the connections of a burst of calls, which
    # then wait a second for the kernel to try again.
    request_queue_size = 128

    @classmethod
    def started(cls, handler: type[BaseHTTPRequestHandler], port: int = 0) -> QuietHTTPServer:
        """A server of `handler` on 127.0.0.1:`port` (0: a free one), serving from now on."""
        server = cls(("127.0.0.1", port), handler)
        # Polled every 10 ms: stop() waits for the next poll.
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        return server

    @property
    def url(self) -> str:
        """The server's http:// URL, without a path."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        """Stop serving and close the port: connections are then refused."""
        self.shutdown()
        self.server_close()

    def handle_error(self, request: socket | tuple[bytes, socket], client_address: Any) -> None:
        """Say nothing of a client that hung up; print any other error, as the base class does."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
