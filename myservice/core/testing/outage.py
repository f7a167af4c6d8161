"""A server that goes away and comes back: a TCP forwarder on loopback that a test can cut.

Point a service at `outage.url_of(url)` instead of the server's own URL (a database's, a
broker's); `outage.down()` ends every connection through it and refuses new ones, as a server
restarting does, and `outage.up()` lets them through again. For the tests of what a service does
while a server it needs is away, without stopping that server for the other tests sharing it.
Threads and plain sockets: each socket is closed by the thread that made it, whatever happens.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

from sqlalchemy.engine import make_url

ACCEPT_TIMEOUT = 0.1  # seconds between two looks at whether the forwarder was closed


class Outage:
    """A forwarder on a port of 127.0.0.1 to `host`:`port`, open until down() and after up()."""

    def __init__(self, host: str, port: int) -> None:
        """Start forwarding, in threads of its own, at once."""
        self.target = (host, port)
        self.is_down = False
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(ACCEPT_TIMEOUT)
        self.port: int = self._listener.getsockname()[1]
        self._start(self._accept)

    def url_of(self, url: str) -> str:
        """`url` (a database's, with a host and a port) through this forwarder."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(False)

    def down(self) -> None:
        """End every connection through it, and refuse new ones until up()."""
        with self._lock:
            self.is_down = True
            for each in self._open:
                _shut(each)

    def up(self) -> None:
        """Let connections through again."""
        self.is_down = False

    def close(self) -> None:
        """Stop listening, end the connections, and wait for the threads to finish."""
        self._closed.set()
        accepting, *_ = self._threads
        accepting.join()  # within ACCEPT_TIMEOUT: no connection starts after this
        self.down()
        for thread in self._threads:
            thread.join(timeout=10)
        self._listener.close()

    def _start(self, work: Callable[..., None], *arguments: object) -> None:
        thread = threading.Thread(target=work, args=arguments, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._start(self._forward, client)

    def _forward(self, client: socket.socket) -> None:
        with client:
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                return
            with upstream:
                upstream.settimeout(None)
                with self._lock:
                    if self.is_down:
                        return
                    self._open |= {client, upstream}
                back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
                back.start()
                _pipe(client, upstream)
                back.join()
                with self._lock:
                    self._open -= {client, upstream}


def _pipe(source: socket.socket, target: socket.socket) -> None:
    """Copy until either side ends; then end the other side too."""
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        _shut(target)


def _shut(connection: socket.socket) -> None:
    """End a connection both ways, as its server going away would."""
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
