"""A downstream for the tests, on a port of 127.0.0.1: it echoes, fails, stalls or hangs up.

    /echo...             the request's method, path as sent, headers (names lowercase) and
                         body, as JSON
    /big/<bytes>         200, a JSON string of about that many bytes, its Content-Length said
    /endless             200, no Content-Length, JSON text until the client hangs up
    /status/<code>       answers <code>
    /flaky/<code>/<n>    answers <code> to the first n requests, then 200
    /slow/<seconds>      answers 200 after that long
    /drop                closes the connection without an answer
    /text                200, a body that is not JSON
    /redirect            302 to its own /echo
    /garbled             an answer that is not HTTP

`hits` counts the requests each path received; `last_headers` keeps the headers of the last.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any

from ..testing.quiet_server import QuietHTTPServer


class DownstreamStub:
    """The downstream, listening until stop()."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        # The headers of the last request to each path (names lowercase).
        self.last_headers: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self._server = QuietHTTPServer.started(_handler(self))
        self.url = self._server.url

    def hit(self, path: str) -> int:
        """Count a request to `path`; give how many it has had, this one included."""
        with self._lock:
            self.hits[path] += 1
            return self.hits[path]

    def stop(self) -> None:
        """Stop listening."""
        self._server.stop()


def _handler(stub: DownstreamStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            path = self.path.partition("?")[0]
            seen = stub.hit(path)
            stub.last_headers[path] = {name.lower(): value for name, value in self.headers.items()}
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = path.strip("/").split("/")
            if parts[0] == "garbled":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nthis is no header\r\n\r\n")
                self.close_connection = True
                return
            if parts[0] == "redirect":
                self.send_response(302)
                self.send_header("Location", f"{stub.url}/echo")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if parts[0] == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            if parts[0] == "big":
                self._send(200, json.dumps("x" * int(parts[1])).encode(), "application/json")
                return
            if parts[0] == "endless":
                self._endless()
                return
            if parts[0] == "slow":
                time.sleep(float(parts[1]))
            failing = parts[0] == "status" or (parts[0] == "flaky" and seen <= int(parts[2]))
            status = int(parts[1]) if failing else 200
            if parts[0] == "text":
                self._send(status, b"plain words", "text/plain")
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            echoed = {
                "method": self.command,
                "path": self.path,
                "headers": headers,
                "body": body.decode(),
            }
            self._send(status, json.dumps(echoed).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _endless(self) -> None:
            """64 KiB at a time, up to 64 MiB, for as long as the client reads."""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.close_connection = True
            try:
                for _ in range(1024):
                    self.wfile.write(b" " * 65536)
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, format: str, *args: Any) -> None:
            """Write nothing: the test's output is the service's."""

    return Handler
