"""A server that goes away and comes back: a TCP forwarder on loopback that a test can cut.

Point a service at `outage.url_of(url)` instead of the server's own URL (a database's, a
broker's); `outage.down()` drops every connection through it and refuses new ones, as a server
restarting does, and `outage.up()` lets them through again. For the tests of what a service does
while a server it needs is away, without stopping that server for the other tests sharing it.
"""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy.engine import make_url


class Outage:
    """A forwarder on a port of 127.0.0.1 to `host`:`port`, open until down() and after up()."""

    def __init__(self, host: str, port: int) -> None:
        """Start forwarding, in a thread of its own, at once."""
        self.target = (host, port)
        self.is_down = False
        self._open: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        listening = asyncio.start_server(self._forward, "127.0.0.1", 0)
        self._server = asyncio.run_coroutine_threadsafe(listening, self._loop).result()
        self.port: int = self._server.sockets[0].getsockname()[1]

    def url_of(self, url: str) -> str:
        """`url` (a database's, with a host and a port) through this forwarder."""
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(False)

    def down(self) -> None:
        """Drop every connection through it, and refuse new ones until up()."""
        asyncio.run_coroutine_threadsafe(self._drop_all(), self._loop).result()

    def up(self) -> None:
        """Let connections through again."""
        self.is_down = False

    def close(self) -> None:
        """Stop listening, drop the connections, and end the thread."""
        self.down()
        asyncio.run_coroutine_threadsafe(self._stop_listening(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    async def _stop_listening(self) -> None:
        self._server.close()
        forwarding = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in forwarding:
            task.cancel()
        await asyncio.gather(*forwarding, return_exceptions=True)
        await self._server.wait_closed()
        await asyncio.sleep(0)  # the aborted transports close on the next turn of the loop

    async def _drop_all(self) -> None:
        self.is_down = True
        for writer in list(self._open):
            writer.transport.abort()
        await asyncio.sleep(0)  # the transports close on the next turn of the loop

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        if self.is_down:  # before it connected, or while it did
            for each in (writer, upstream):
                each.transport.abort()
            return
        self._open |= {writer, upstream}
        try:
            await asyncio.gather(_pipe(reader, upstream), _pipe(upstream_reader, writer))
        finally:  # ended, dropped, or cancelled by close()
            self._open -= {writer, upstream}
            for each in (writer, upstream):
                each.transport.abort()


async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
    """Copy until either side goes; then end the other side too."""
    try:
        while data := await source.read(65536):
            target.write(data)
            await target.drain()
    except OSError:
        pass
    finally:
        target.transport.abort()
