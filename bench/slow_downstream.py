"""The downstream of `make bench`'s calls: every GET is answered 20 ms after it arrives.

A bare asyncio protocol, so that it costs next to no CPU and the service, not it, sets the
pace: `python -m bench.slow_downstream PORT`.
"""

from __future__ import annotations

import asyncio
import json
import sys

DELAY = 0.020
BODY = json.dumps({"waited_ms": round(DELAY * 1000)}).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    + f"Content-Length: {len(BODY)}\r\n\r\n".encode()
    + BODY
)


class SlowAnswers(asyncio.Protocol):
    """One connection: each request (GET, no body) answered DELAY seconds later, in order."""

    def __init__(self) -> None:
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the connection, to answer on it."""
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        """Schedule an answer for each complete request head."""
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            _, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            asyncio.get_running_loop().call_later(DELAY, self.answer)

    def answer(self) -> None:
        """Write one answer, unless the client has gone."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(ANSWER)


async def serve(port: int) -> None:
    """Listen on 127.0.0.1:`port` until killed."""
    server = await asyncio.get_running_loop().create_server(
        SlowAnswers, "127.0.0.1", port, backlog=1024
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
