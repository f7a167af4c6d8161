"""Core's tests get the skeleton's plumbing alone as their `app` (see plumbing.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .. import ServiceApp
from .plumbing import create_app


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[ServiceApp]:
    """A fresh app in test mode, without the service's views, serving on the test's database."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    async with app.test_app():
        yield app
