"""`make view NAME=<name>` writes a served, documented, tested view, or refuses to."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import new_view
from scripts.project import run_python
from scripts.tests.conftest import VIEW_NAME, refusal


def test_a_new_view_is_served_documented_and_its_tests_pass(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """The two modules are written, the snapshot updated, and the project's tests pass."""
    assert new_view.main([VIEW_NAME, "--root", str(project)]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        f"wrote myservice/views/{VIEW_NAME}.py",
        f"wrote myservice/tests/test_{VIEW_NAME}.py",
        "wrote openapi.json",
    ]
    spec = json.loads((project / "openapi.json").read_text())
    assert set(spec["paths"][new_view.url_of(VIEW_NAME)]) == {"get", "post"}
    tests = run_python(
        project,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *(f"myservice/tests/test_{VIEW_NAME}.py", "myservice/tests/test_openapi.py"),
        "myservice/tests/test_app.py",
    )
    assert tests.returncode == 0, tests.stdout
    lint = run_python(project, "-m", "ruff", "check", "myservice")
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "give the view name as NAME=<name>"),
        ("Refunds", "'Refunds' is not a valid view name"),
        ("gift-cards", "'gift-cards' is not a valid view name"),
        ("2fa", "'2fa' is not a valid view name"),
        ("_private", "'_private' is not a valid view name"),
        ("class", "'class' is a Python keyword"),
        ("a" * 25, "is longer than 24 characters"),
        ("health", "myservice/views/health.py exists already"),
        ("app", "myservice/tests/test_app.py exists already"),
        ("json", "would shadow the standard library's json"),
        ("quart", "would shadow the installed package quart"),
        ("startup", "would shadow the module myservice.startup"),
        ("livez", "/livez is taken: the service already serves /livez"),
        ("docs", "/docs is taken: the service already serves /docs"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_is_written(
    project: Path, capsys: pytest.CaptureFixture[str], name: str, reason: str
) -> None:
    """Each refusal exits 1 with one line saying why, and leaves every file as it was."""
    refusal(new_view.main, [name], project)
    error = capsys.readouterr().err
    assert error.startswith("make view: ")
    assert reason in error
    assert error.rstrip().endswith("; nothing written")


def test_a_project_whose_app_does_not_start_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """The routes cannot be checked for a clash, so nothing is written and the cause is shown."""
    (project / "settings.yml").write_text("DEBUG: maybe\n")
    refusal(new_view.main, [VIEW_NAME], project)
    error = capsys.readouterr().err
    assert "the app does not start, so its routes are unknown" in error
    assert "DEBUG must be true or false" in error


def test_a_folder_that_is_not_the_project_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--root pointing elsewhere gets a clear refusal, not a traceback."""
    assert new_view.main([VIEW_NAME, "--root", str(tmp_path)]) == 1
    assert "does not look like this project" in capsys.readouterr().err
