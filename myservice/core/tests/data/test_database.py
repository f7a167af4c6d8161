"""The engine: open while the app serves, bounded, and what a view gets from it."""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from quart import Quart, request
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from werkzeug.exceptions import NotFound

from ...data.database import (
    EXTENSION_KEY,
    database,
    get_or_404,
    open_engine,
    reading,
    transaction,
)
from ...data.outages import DatabaseUnavailable
from ...data.url import is_sqlite
from ...http.access import public
from ...identity import SERVICE
from ...testing.clean_databases import SERVER_VARIABLE
from ...testing.live_server import LiveServer
from ..items import Item, create_tables, items
from ..observability.test_logs import logging_to
from ..plumbing import create_app

# A port of this machine that nothing listens on.
NOWHERE = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"


async def test_the_engine_opens_when_serving_starts_and_closes_after(database_url: str) -> None:
    """Building the app connects to nothing; serving opens the engine; stopping disposes of it."""
    app = create_app({"DATABASE_URL": database_url})
    assert EXTENSION_KEY not in app.extensions
    async with app.test_app():
        assert EXTENSION_KEY in app.extensions
    assert EXTENSION_KEY not in app.extensions


async def test_outside_a_serving_app_the_error_says_what_to_do(database_url: str) -> None:
    """A test that forgot to serve its app is told which fixture to use."""
    app = create_app({"DATABASE_URL": database_url})
    async with app.app_context():
        with pytest.raises(RuntimeError, match="use the `app` fixture"):
            database()


async def test_a_transaction_commits_when_its_block_ends(app: Quart, engine: AsyncEngine) -> None:
    """What a transaction wrote is there for the next session, as soon as the block is left."""
    async with app.app_context():
        async with transaction() as session:
            session.add(Item(name="kept"))
        async with reading() as session:
            names = (await session.scalars(select(Item.name))).all()
    assert names == ["kept"]


async def test_an_error_in_a_transaction_writes_nothing(app: Quart, engine: AsyncEngine) -> None:
    """A view that fails halfway leaves no half of its work behind."""

    async def fails_halfway() -> None:
        async with transaction() as session:
            session.add(Item(name="lost"))
            await session.flush()
            raise ZeroDivisionError

    async with app.app_context():
        with pytest.raises(ZeroDivisionError):
            await fails_halfway()
        async with reading() as session:
            assert (await session.scalars(select(Item))).all() == []


async def test_sqlite_keeps_foreign_keys_and_writes_ahead(app: Quart, engine: AsyncEngine) -> None:
    """SQLite leaves both off by default; the service turns them on for every connection."""
    if not is_sqlite(app.config["DATABASE_URL"]):
        pytest.skip("a SQLite setting; PostgreSQL has both by design")
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"


async def test_the_pool_is_bounded_and_a_request_waiting_too_long_gets_503(
    database_url: str,
) -> None:
    """With every connection busy, a request waits DATABASE_POOL_TIMEOUT, then gets 503."""
    app = create_app(
        {"DATABASE_URL": database_url, "DATABASE_POOL_SIZE": 1, "DATABASE_POOL_TIMEOUT": 1}
    )
    app.register_blueprint(items)
    async with app.test_app(), app.app_context():
        await create_tables(database().engine)
        async with database().engine.connect() as busy:
            await busy.execute(text("SELECT 1"))
            response = await app.test_client().get("/_items/1")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"


async def test_an_unreachable_database_is_503_and_not_ready() -> None:
    """A database that refuses connections: views answer 503 with Retry-After, /readyz 503."""
    app = create_app({"DATABASE_URL": NOWHERE, "DATABASE_TIMEOUT": 2})
    app.register_blueprint(items)
    async with app.test_app():
        client = app.test_client()
        response = await client.get("/_items/1")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "2"
        body = await response.get_json(force=True)
        assert body["detail"] == "The database cannot be used right now; try again shortly."
        assert "127.0.0.1" not in str(body)
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert (await ready.get_json(force=True))["checks"]["database"] == "failed"


async def test_a_locked_sqlite_database_is_503_then_recovers(tmp_path: Path) -> None:
    """A writer holding SQLite's lock longer than DATABASE_TIMEOUT: 503, then 201 once it is gone."""
    url = f"sqlite+aiosqlite:///{tmp_path}/locked.db"
    app = create_app({"DATABASE_URL": url, "DATABASE_TIMEOUT": 1})
    app.register_blueprint(items)
    async with app.test_app():
        async with app.app_context():
            await create_tables(database().engine)
        holder = open_engine(app.config).engine
        client = app.test_client()
        async with holder.connect() as connection:
            await connection.execute(text("BEGIN IMMEDIATE"))
            locked = await client.post("/_items", json={"name": "first"})
        await holder.dispose()
        recovered = await client.post("/_items", json={"name": "first"})
    assert (locked.status_code, locked.headers.get("Retry-After")) == (503, "2")
    assert recovered.status_code == 201


@pytest.mark.skipif(not os.environ.get(SERVER_VARIABLE), reason="make test-servers runs it")
async def test_a_statement_slower_than_the_timeout_is_503(app: Quart) -> None:
    """PostgreSQL cancels a statement past DATABASE_TIMEOUT; the client hears 503, not a hang."""
    engine = open_engine({**app.config, "DATABASE_TIMEOUT": 1}).engine
    try:
        with pytest.raises(DatabaseUnavailable):
            async with engine.connect() as connection:
                await asyncio.wait_for(connection.execute(text("SELECT pg_sleep(5)")), 10)
    finally:
        await engine.dispose()


async def test_a_key_no_64_bit_column_holds_is_a_404_without_asking(app: Quart) -> None:
    """A huge id matches nothing: neither driver gets to refuse it with an error of its own."""
    async with app.app_context(), reading() as session:
        with pytest.raises(NotFound, match="There is no test_items item 36893488147419103232"):
            await get_or_404(session, Item, 2**65)


ITEMS_APP = f"""
from quart import current_app

from {SERVICE} import create_app as create_service
from {SERVICE}.core.data.database import database
from {SERVICE}.core.tests.items import create_tables, items


def create_app():
    app = create_service()
    app.register_blueprint(items)

    @app.before_serving
    async def tables():
        await create_tables(database().engine)

    return app
"""


def test_every_acknowledged_row_survives_the_server_being_killed(
    serve: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """A 201 means committed: rows created just before a SIGKILL are all there after a restart."""
    (tmp_path / "items_app.py").write_text(ITEMS_APP)
    server = serve(factory="items_app:create_app")
    created = []
    for number in range(20):
        status, _, body = server.request(
            "POST",
            "/_items",
            json.dumps({"name": f"kept {number}"}).encode(),
            {"Content-Type": "application/json"},
        )
        assert status == 201
        created.append(json.loads(body)["id"])
    server.kill()
    restarted = serve(factory="items_app:create_app")
    assert [restarted.get(f"/_items/{item}")[0] for item in created] == [200] * 20


async def test_a_failed_statement_logs_its_sql_but_not_the_values_bound(database_url: str) -> None:
    """A 500 from the database logs the statement; the client's values in it stay out."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})

    @app.get("/lookup")
    @public
    async def lookup() -> dict[str, str]:
        async with reading() as session:
            sent = {"s": request.args["s"]}
            await session.execute(text("SELECT * FROM nowhere WHERE secret = :s"), sent)
        return {}

    stream = io.StringIO()
    logging_to(app, stream)
    async with app.test_app():
        response = await app.test_client().get("/lookup", query_string={"s": "hunter2"})
    assert response.status_code == 500
    assert "nowhere" in stream.getvalue()
    assert "hunter2" not in stream.getvalue()


async def write_inside_then_fail() -> None:
    """An inner transaction writes and ends; then the outer one fails."""
    async with transaction() as outer:
        async with transaction() as inner:
            assert inner is outer
            inner.add(Item(name="inner"))
        raise RuntimeError("the outer block fails after the inner one ended")


async def test_a_transaction_inside_another_joins_it(app: Quart, engine: AsyncEngine) -> None:
    """The inner block's writes are the outer one's: rolled back with it, committed with it."""
    async with app.app_context():
        with pytest.raises(RuntimeError, match="fails after"):
            await write_inside_then_fail()
        async with reading() as session:
            assert await session.scalar(select(func.count()).select_from(Item)) == 0
