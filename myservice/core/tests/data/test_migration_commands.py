"""`quart db ...`: the commands `make migrate` and `make migration` stand on, run as a person would."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .... import create_app as create_service_app
from ...data.migrations import service_heads
from ..plumbing import MIGRATIONS
from .test_migrations import SKELETON_HEAD


def test_quart_db_commands_run_as_a_person_runs_them(tmp_path: Path) -> None:
    """The commands `make migrate` and `make migration` stand on, and their neighbours."""
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    runner = create_service_app({"DATABASE_URL": url}).test_cli_runner()
    for arguments in (
        ["db", "upgrade"],
        ["db", "current"],
        ["db", "check"],
        ["db", "history"],
        ["db", "downgrade", "base"],
    ):
        result = runner.invoke(args=arguments)
        assert result.exit_code == 0, (arguments, result.output)
    assert (tmp_path / "cli.db").is_file()


def test_a_revision_needs_a_message() -> None:
    """`quart db revision` without -m says what is missing, and writes nothing."""
    result = create_service_app().test_cli_runner().invoke(args=["db", "revision"])
    assert result.exit_code == 2
    assert "Missing option '-m' / '--message'" in result.output


def test_a_revision_with_no_change_to_write_is_refused_and_nothing_written(tmp_path: Path) -> None:
    """The tables of data/ and the migrations agree: `make migration` says so and writes nothing."""
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    runner = create_service_app({"DATABASE_URL": url}).test_cli_runner()
    versions = MIGRATIONS / "versions"
    before = sorted(versions.glob("*.py"))
    result = runner.invoke(args=["db", "revision", "-m", "nothing new"])
    assert result.exit_code == 1
    assert "the tables of data/ and the migrations agree: no revision written" in result.output
    assert sorted(versions.glob("*.py")) == before


def test_a_step_back_is_a_step_of_the_services_own(tmp_path: Path) -> None:
    """`downgrade -1` never undoes the skeleton's tables: it steps back the service's branch only.

    With no revision of the service's yet, there is nothing to step back from, and it says so.
    """
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    runner = create_service_app({"DATABASE_URL": url}).test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "-1"])
    if not service_heads(MIGRATIONS):
        assert result.exit_code == 1
        assert "the service has no revision of its own to go back from" in result.output
        return
    assert result.exit_code == 0, result.output
    with sqlite3.connect(tmp_path / "cli.db") as connection:
        current = {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")}
    assert SKELETON_HEAD in current
    assert service_heads(MIGRATIONS)[0] not in current


def test_a_merge_needs_two_latest_revisions_of_the_service(tmp_path: Path) -> None:
    """The skeleton's branch is never merged into the service's: one head of its own is nothing to join."""
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    result = (
        create_service_app({"DATABASE_URL": url})
        .test_cli_runner()
        .invoke(args=["db", "merge", "-m", "join"])
    )
    assert result.exit_code == 1
    assert "none to join" in result.output
