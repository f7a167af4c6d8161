"""/readyz and the schema: ready at every latest revision, and saying which are missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from quart import Quart
from sqlalchemy import text

from .... import create_app as create_service_app
from ...data.database import EXTENSION_KEY, database, open_engine
from ...data.migrations import head_revisions
from ...data.schema_readiness import schema_at
from ...http.readiness import NotReady
from ..plumbing import MIGRATIONS
from .test_migrations import SKELETON_HEAD, write_revision


async def test_readiness_waits_for_the_latest_schema(app: Quart) -> None:
    """A database at another revision: /readyz says which, and which it waits for."""
    async with app.app_context(), database().engine.begin() as connection:
        await connection.execute(text("DELETE FROM alembic_version"))
        await connection.execute(text("INSERT INTO alembic_version VALUES ('0ld')"))
    response = await app.test_client().get("/readyz")
    assert response.status_code == 503
    check = (await response.get_json(force=True))["checks"]["database"]
    latest = " and ".join(sorted(head_revisions(MIGRATIONS)))
    assert check == f"failed: the schema is at revision 0ld, the latest is {latest}"


async def test_a_schema_at_the_latest_revisions_is_ready(app: Quart) -> None:
    """The fixture's database is migrated, both branches, so the check passes."""
    await schema_at(app.extensions[EXTENSION_KEY].engine, head_revisions(MIGRATIONS))
    assert (await app.test_client().get("/readyz")).status_code == 200


async def test_an_unmigrated_database_is_not_ready_once_there_are_revisions(
    tmp_path: Path,
) -> None:
    """With revisions to apply and none applied, the check names them."""
    directory = write_revision(tmp_path, "a1")
    settings = {
        **create_service_app().config,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/new.db",
    }
    engine = open_engine(settings).engine
    try:
        with pytest.raises(
            NotReady, match=f"the schema is at revision None, the latest is a1 and {SKELETON_HEAD}"
        ):
            await schema_at(engine, head_revisions(directory))
    finally:
        await engine.dispose()
