"""The Makefile: what a person types after a target is data for its command, never shell."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from scripts.project import ROOT

# The files that mark the venv's installs done (the Makefile's RUNTIME, DEV...).
STAMPS = (".runtime-installed", ".dev-installed", ".bench-installed", ".checkers-installed")
# A value that, pasted into a recipe between double quotes, would end them and run `touch`.
BREAKOUT = 'x"; touch broken-out; echo "'


def make(directory: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run make in `directory` on the project's own venv, as a person would in a clone.

    The venv's install stamps are taken as current (-o): were the venv older than a requirements
    file, make would reinstall the package into it from the copy, which the test then deletes.
    """
    venv = ROOT / ".venv"
    current = [option for stamp in STAMPS for option in ("-o", str(venv / stamp))]
    return subprocess.run(
        ["make", "--no-print-directory", f"VENV={venv}", *current, *arguments],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "arguments",
    [
        (f"NAME={BREAKOUT}",),
        ("NAME=things", f"URL=/{BREAKOUT}"),
        ("NAME=things", f"STORE={BREAKOUT}"),
    ],
)
def test_a_quote_in_a_view_name_cannot_break_out(project: Path, arguments: tuple[str, ...]) -> None:
    """`make view` refuses the value, quoting it whole, and no command of the value runs."""
    done = make(project, "view", *arguments)
    assert done.returncode != 0
    assert not (project / "broken-out").exists()
    assert BREAKOUT in done.stderr


def test_a_quote_in_scopes_cannot_break_out(project: Path) -> None:
    """`make token` mints a token for the scopes as typed, and runs nothing else."""
    done = make(project, "token", f"SCOPES={BREAKOUT}", f"SUBJECT={BREAKOUT}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(".") == 2
    assert not (project / "broken-out").exists()


def test_a_migration_needs_its_message(project: Path) -> None:
    """Without MESSAGE, make migration says how to give one, and writes nothing."""
    done = make(project, "migration")
    assert done.returncode == 2  # make's status when a recipe fails
    assert 'make migration MESSAGE="add refunds.reason"' in done.stderr


def test_a_first_make_token_prints_the_token_alone(project: Path) -> None:
    """Installing first, `TOKEN=$(make token)` still captures the token and nothing else.

    The installs say what they do on standard error; a venv of the copy's own, made here.
    """
    done = subprocess.run(
        ["make", "--no-print-directory", "token", "SCOPES=things:read"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "==> Installing" in done.stderr
    [token] = done.stdout.splitlines()
    assert token.count(".") == 2


@pytest.mark.parametrize("target", ["test-servers", "test-all"])
def test_a_run_of_some_tests_is_not_held_to_the_coverage_bar(target: str) -> None:
    """With PYTEST_ARGS the report is shown, not failed: only the whole suite reaches 95%."""
    whole, some = make(ROOT, "-n", target), make(ROOT, "-n", target, "PYTEST_ARGS=-k home")
    assert "coverage report" in whole.stdout
    assert "--fail-under=0" not in whole.stdout
    assert "coverage report --fail-under=0\n" in some.stdout
