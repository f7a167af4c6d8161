"""Outage: connections go through, then are dropped and refused while down, then go through again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from ...testing.outage import Outage


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass  # the forwarder dropped it
    finally:
        writer.close()


@pytest.fixture
async def outage() -> AsyncIterator[Outage]:
    """An Outage in front of an echo server of the test's own."""
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    forwarder = Outage("127.0.0.1", server.sockets[0].getsockname()[1])
    yield forwarder
    forwarder.close()
    server.close()
    await server.wait_closed()


async def echoed(outage: Outage, data: bytes) -> bytes:
    """What comes back through `outage` for `data` on a new connection; b"" where it is dropped."""
    reader, writer = await asyncio.open_connection("127.0.0.1", outage.port)
    try:
        writer.write(data)
        await writer.drain()
        return await read(reader)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def read(reader: asyncio.StreamReader) -> bytes:
    """What comes on a connection; b"" once it ended, reset or not."""
    try:
        return await asyncio.wait_for(reader.read(1024), timeout=5)
    except ConnectionError:
        return b""


async def test_down_drops_the_open_connections_and_refuses_new_ones_until_up(
    outage: Outage,
) -> None:
    """Through, dropped mid-connection, refused while down, and through again once up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", outage.port)
    writer.write(b"one")
    assert await read(reader) == b"one"
    outage.down()
    assert await read(reader) == b""  # the open connection ends, as in a restart
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    assert await echoed(outage, b"two") == b""
    outage.up()
    assert await echoed(outage, b"three") == b"three"


def test_a_url_through_it_keeps_all_but_host_and_port(outage: Outage) -> None:
    """A database's URL: its user, password and database name stay; it points at the forwarder."""
    url = outage.url_of("postgresql+asyncpg://user:secret@db.example:5432/orders")
    assert url == f"postgresql+asyncpg://user:secret@127.0.0.1:{outage.port}/orders"
