"""Migrations: the service's revisions and the skeleton's match the tables, and go up and down."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import inspect

from .... import create_app as create_service_app
from ...data.database import open_engine
from ...data.migrations import (
    SKELETON_REVISIONS,
    alembic_config,
    head_revisions,
    service_heads,
    upgrade,
)
from ...data.schema_readiness import schema_at
from ...identity import ENV_PREFIX, SERVICE, StartupError
from ...testing.service import PROJECT, clean_environment
from ..plumbing import MIGRATIONS

SKELETON_HEAD = "skeleton_0004"


def test_the_migrations_live_in_the_package() -> None:
    """<package>/migrations holds env.py and the revisions, beside data/ and views/."""
    assert MIGRATIONS.parent.name == SERVICE
    assert (MIGRATIONS / "env.py").is_file()


async def test_the_migrations_make_exactly_the_tables_of_data(database_url: str) -> None:
    """Policy: `quart db check` finds no difference between data/ and the migrated schema."""
    create_service_app()  # imports every table of data/
    await asyncio.to_thread(command.check, alembic_config(database_url, MIGRATIONS))


async def test_every_migration_goes_down_and_up_again(database_url: str) -> None:
    """Policy: from the latest revision down to none, and back, with no error on the way."""
    config = alembic_config(database_url, MIGRATIONS)
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(command.upgrade, config, "heads")
    await asyncio.to_thread(command.check, config)


def test_the_skeleton_has_a_branch_of_its_own() -> None:
    """Its revisions live in core/, apart from the service's, and count as a latest revision."""
    assert SKELETON_HEAD in head_revisions(MIGRATIONS)
    assert SKELETON_HEAD not in service_heads(MIGRATIONS)
    assert (SKELETON_REVISIONS / "skeleton_0001_idempotent_requests.py").is_file()


async def test_a_service_revision_and_the_skeletons_go_up_together(tmp_path: Path) -> None:
    """A directory with one revision of the service's: both branches' heads are applied."""
    write_revision(tmp_path, "c1")
    assert head_revisions(tmp_path) == {"c1", SKELETON_HEAD}
    assert service_heads(tmp_path) == ["c1"]
    url = f"sqlite+aiosqlite:///{tmp_path}/applied.db"
    await asyncio.to_thread(upgrade, url, tmp_path)
    engine = open_engine({**create_service_app().config, "DATABASE_URL": url}).engine
    try:
        await schema_at(engine, {"c1", SKELETON_HEAD})
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    assert "idempotent_requests" in tables


def write_revision(directory: Path, revision: str, down: str | None = None) -> Path:
    """A migrations directory of the service's env.py and one empty revision; returns it."""
    (directory / "versions").mkdir(exist_ok=True)
    (directory / "env.py").write_text((MIGRATIONS / "env.py").read_text())
    (directory / "script.py.mako").write_text((MIGRATIONS / "script.py.mako").read_text())
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
        head_revisions(tmp_path)
    assert str(refused.value) == (
        "the migrations have 2 latest revisions (b1, b2): join them with"
        ' `.venv/bin/quart db merge -m "merge"`'
    )


def test_plain_alembic_is_told_to_use_make_migrate() -> None:
    """env.py needs the configuration `quart db` gives it; without it, it says so."""
    config = alembic_config("sqlite://", MIGRATIONS)
    del config.attributes["run_migrations"]
    with pytest.raises(SystemExit, match="make migrate"):
        command.upgrade(config, "heads")


def test_a_revision_that_does_not_exist_is_a_clear_error(tmp_path: Path) -> None:
    """Alembic's own message reaches the person who asked for a revision that is not there."""
    url = f"sqlite+aiosqlite:///{tmp_path}/none.db"
    with pytest.raises(CommandError, match="nonexistent"):
        command.upgrade(alembic_config(url, MIGRATIONS), "nonexistent")


@pytest.mark.commands
def test_upgrades_started_together_on_one_sqlite_file_take_turns(tmp_path: Path) -> None:
    """`make serve` and `make worker` started at once each migrate: one does, the rest find it done."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    environment = {**clean_environment(), "QUART_APP": SERVICE, f"{ENV_PREFIX}DATABASE_URL": url}
    command = [str(Path(sys.executable).with_name("quart")), "db", "upgrade"]
    started = [
        subprocess.Popen(
            command,
            cwd=PROJECT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    errors = [process.communicate(timeout=120)[1] for process in started]
    assert [process.returncode for process in started] == [0] * 5, errors
