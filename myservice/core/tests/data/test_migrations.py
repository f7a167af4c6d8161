"""Migrations: the service's revisions match its tables, go up and down, and gate readiness."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.util.exc import CommandError
from quart import Quart
from sqlalchemy import text

from .... import create_app as create_service_app
from ...data.database import EXTENSION_KEY, database, open_engine
from ...data.migrations import (
    alembic_config,
    head_revision,
    migrations_directory,
    schema_at,
    upgrade,
)
from ...observability.probes import NotReady
from ...startup import SERVICE, StartupError


def test_the_migrations_live_in_the_package() -> None:
    """<package>/migrations holds env.py and the revisions, beside data/ and views/."""
    assert migrations_directory().parent.name == SERVICE
    assert (migrations_directory() / "env.py").is_file()


async def test_the_migrations_make_exactly_the_tables_of_data(database_url: str) -> None:
    """Policy: `quart db check` finds no difference between data/ and the migrated schema."""
    create_service_app()  # imports every table of data/
    await asyncio.to_thread(command.check, alembic_config(database_url))


async def test_every_migration_goes_down_and_up_again(database_url: str) -> None:
    """Policy: from the latest revision down to none, and back, with no error on the way."""
    config = alembic_config(database_url)
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "head")
    await asyncio.to_thread(command.check, config)


async def test_readiness_waits_for_the_latest_schema(app: Quart) -> None:
    """A database at another revision: /readyz says which, and which it waits for."""
    async with app.app_context(), database().engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32))")
        )
        await connection.execute(text("DELETE FROM alembic_version"))
        await connection.execute(text("INSERT INTO alembic_version VALUES ('0ld')"))
    response = await app.test_client().get("/readyz")
    assert response.status_code == 503
    check = (await response.get_json(force=True))["checks"]["database"]
    assert check == f"failed: the schema is at revision 0ld, the latest is {head_revision()}"


async def test_a_schema_at_the_latest_revision_is_ready(app: Quart) -> None:
    """The fixture's database is migrated, so the check passes."""
    await schema_at(app.extensions[EXTENSION_KEY].engine, head_revision())


async def test_an_unmigrated_database_is_not_ready_once_there_are_revisions(
    tmp_path: Path,
) -> None:
    """With a revision to apply and none applied, the check names both."""
    directory = write_revision(tmp_path, "a1")
    settings = {
        **create_service_app().config,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/new.db",
    }
    engine = open_engine(settings).engine
    try:
        with pytest.raises(NotReady, match="the schema is at revision None, the latest is a1"):
            await schema_at(engine, head_revision(directory))
    finally:
        await engine.dispose()


def write_revision(directory: Path, revision: str, down: str | None = None) -> Path:
    """A migrations directory of the service's env.py and one empty revision; returns it."""
    (directory / "versions").mkdir(exist_ok=True)
    (directory / "env.py").write_text((migrations_directory() / "env.py").read_text())
    (directory / "script.py.mako").write_text(
        (migrations_directory() / "script.py.mako").read_text()
    )
    (directory / "versions" / f"{revision}.py").write_text(
        textwrap.dedent(
            f"""
            revision = {revision!r}
            down_revision = {down!r}
            branch_labels = None
            depends_on = None

            def upgrade():
                pass

            def downgrade():
                pass
            """
        )
    )
    return directory


def test_two_latest_revisions_stop_the_start_saying_how_to_join_them(tmp_path: Path) -> None:
    """Two branches of revisions have no one latest schema: the start stops with one line."""
    write_revision(tmp_path, "b1", "base1")
    write_revision(tmp_path, "b2", "base1")
    write_revision(tmp_path, "base1")
    with pytest.raises(StartupError) as refused:
        head_revision(tmp_path)
    assert str(refused.value) == (
        "the migrations have 2 latest revisions (b1, b2): join them with"
        ' `.venv/bin/quart db merge -m "merge"`'
    )


async def test_upgrade_applies_the_revisions_of_a_directory(tmp_path: Path) -> None:
    """upgrade() runs the service's env.py on the given URL, up to the latest revision."""
    write_revision(tmp_path, "c1")
    url = f"sqlite+aiosqlite:///{tmp_path}/applied.db"
    await asyncio.to_thread(upgrade, url, "head", tmp_path)
    engine = open_engine({**create_service_app().config, "DATABASE_URL": url}).engine
    try:
        await schema_at(engine, "c1")
    finally:
        await engine.dispose()


def test_plain_alembic_is_told_to_use_make_migrate() -> None:
    """env.py needs the configuration `quart db` gives it; without it, it says so."""
    config = alembic_config("sqlite://")
    del config.attributes["run_migrations"]
    with pytest.raises(SystemExit, match="make migrate"):
        command.upgrade(config, "head")


def test_a_revision_that_does_not_exist_is_a_clear_error(tmp_path: Path) -> None:
    """Alembic's own message reaches the person who asked for a revision that is not there."""
    url = f"sqlite+aiosqlite:///{tmp_path}/none.db"
    with pytest.raises(CommandError, match="nonexistent"):
        command.upgrade(alembic_config(url), "nonexistent")
