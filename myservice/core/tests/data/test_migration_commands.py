"""`quart db ...`: the commands `make migrate` and `make migration` stand on, run as a person would."""

from __future__ import annotations

from pathlib import Path

from .... import create_app as create_service_app


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
