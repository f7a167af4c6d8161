"""What the tests of the database share: the app's engine, with the tests' tables."""

from __future__ import annotations

import pytest
from quart import Quart
from sqlalchemy.ext.asyncio import AsyncEngine

from ...data.database import database
from ..items import create_tables


@pytest.fixture
async def engine(app: Quart) -> AsyncEngine:
    """The app's engine, with the tests' tables in its database."""
    async with app.app_context():
        engine = database().engine
    await create_tables(engine)
    return engine
