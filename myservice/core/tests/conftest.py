"""Core's tests get the plumbing alone as their `app` (plumbing.py), and a downstream to call."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import pytest

from .. import ServiceApp
from ..observability import logs
from .calling import calling_app
from .downstream_stub import DownstreamStub
from .plumbing import create_app


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[ServiceApp]:
    """A fresh app in test mode, without the service's views, serving on the test's database."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    async with app.test_app():
        yield app


@pytest.fixture
def stub() -> Iterator[DownstreamStub]:
    """A downstream on loopback that echoes, fails, stalls or hangs up; stopped after the test."""
    server = DownstreamStub()
    yield server
    server.stop()


@pytest.fixture
async def calling(stub: DownstreamStub) -> AsyncIterator[tuple[ServiceApp, io.StringIO]]:
    """An app whose /call view passes requests on to `stub`, serving, its log lines kept."""
    app = calling_app(stub.url, deadline=2, retries=2)
    lines = io.StringIO()
    logs.init_app(app, lines)
    async with app.test_app():
        yield app, lines
