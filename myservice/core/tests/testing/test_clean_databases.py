"""Each test's database: the latest schema, no rows, its own, on SQLite or PostgreSQL alike."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from ...data.migrations import head_revisions
from ...data.schema_readiness import current_revisions
from ...testing.clean_databases import DatabaseTemplate
from ..plumbing import MIGRATIONS


async def revision_and_tables(url: str) -> tuple[frozenset[str], list[str]]:
    """The database's revision and the names of its tables."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            revision = await connection.run_sync(current_revisions)
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return revision, tables


async def add_a_table(url: str) -> None:
    """Write a table of a test's own into the database at `url`."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE marks (x INTEGER)"))
    finally:
        await engine.dispose()


async def test_copies_are_migrated_and_independent(
    database_template: DatabaseTemplate, tmp_path: Path
) -> None:
    """Two copies start at the latest revision; what one test writes, the other never sees."""
    first = await asyncio.to_thread(database_template.copy, tmp_path)
    second = await asyncio.to_thread(database_template.copy, tmp_path)
    try:
        await add_a_table(first)
        first_revision, first_tables = await revision_and_tables(first)
        second_revision, second_tables = await revision_and_tables(second)
    finally:
        for url in (first, second):
            await asyncio.to_thread(database_template.drop, url)
    assert first_revision == second_revision == head_revisions(MIGRATIONS)
    assert "marks" in first_tables
    assert "marks" not in second_tables
