"""One HTTP request sent to an app as a server sends it, for tests of what no test client shows.

The client sends its head and an empty body, then stays until the answer is complete or the
test hangs it up (`hang_up()`); every message the app sends is kept, as the server got it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypercorn.typing import ASGIReceiveEvent, ASGISendEvent
from quart import Quart


class RawExchange:
    """A GET of `path` with the raw `headers`, to `app`."""

    def __init__(self, app: Quart, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.scope: Any = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
            "extensions": {},
        }
        self.sent: list[dict[str, Any]] = []
        self._gone = asyncio.Event()
        self._asked = False

    async def run(self) -> list[dict[str, Any]]:
        """Send the request; give the messages of the answer."""
        await self.app(self.scope, self._receive, self._send)
        return self.sent

    def hang_up(self) -> None:
        """The client goes away: its next read of the connection says so."""
        self._gone.set()

    async def _receive(self) -> ASGIReceiveEvent:
        if not self._asked:
            self._asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: ASGISendEvent) -> None:
        self.sent.append(dict(message))
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.hang_up()  # as a server does once the answer is complete
