"""`make view NAME=<name>` writes a served, documented, tested view, or refuses to."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scripts import new_view
from scripts import spec as spec_command
from scripts.project import run_python
from scripts.tests.conftest import VIEW_NAME, git, refusal


def test_a_stored_resource_is_served_migrated_documented_and_its_tests_pass(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """Table, migration, views and tests are written; the suites that check them all pass."""
    assert new_view.main([VIEW_NAME, "--root", str(project)]) == 0
    written = capsys.readouterr().out.splitlines()
    assert written[:3] == [
        f"wrote myservice/data/{VIEW_NAME}.py",
        f"wrote myservice/views/{VIEW_NAME}.py",
        f"wrote myservice/tests/test_{VIEW_NAME}.py",
    ]
    assert re.fullmatch(
        rf"wrote myservice/migrations/versions/\w+_create_{VIEW_NAME}\.py", written[3]
    )
    assert written[4:6] == ["wrote openapi.json", "wrote asyncapi.json"]
    spec = json.loads((project / "openapi.json").read_text())
    events = json.loads((project / "asyncapi.json").read_text())
    assert set(events["channels"]) == {
        f"{VIEW_NAME}_{change}" for change in ("created", "updated", "deleted")
    }
    url = new_view.url_of(VIEW_NAME)
    assert set(spec["paths"][url]) == {"get", "post"}
    assert set(spec["paths"][url + "/{item_id}"]) == {"get", "patch", "delete"}
    tests = run_python(
        project,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *(f"myservice/tests/test_{VIEW_NAME}.py", "myservice/core/tests/api/test_openapi.py"),
        "myservice/core/tests/events/test_asyncapi.py",
        *("myservice/core/tests/test_discovery.py", "myservice/core/tests/data/test_migrations.py"),
    )
    assert tests.returncode == 0, tests.stdout
    lint = run_python(project, "-m", "ruff", "check", "myservice")
    assert lint.returncode == 0, lint.stdout


def test_a_second_view_then_spec_then_tests_work_as_a_person_runs_them(
    project: Path, without_coverage: None
) -> None:
    """Make view, make view, make spec, make test: each loads the app, none serves it.

    The first view's routes require tokens; loading the app to learn its routes must not be
    refused for want of an identity provider, which only serving needs.
    """
    root = ["--root", str(project)]
    assert new_view.main(["refunds", *root]) == 0
    assert new_view.main(["orders", *root]) == 0
    assert spec_command.main(root) == 0
    tests = run_python(
        project,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *("myservice/tests/test_refunds.py", "myservice/tests/test_orders.py"),
        "myservice/core/tests/api/test_openapi.py",
    )
    assert tests.returncode == 0, tests.stdout


def test_store_none_writes_a_view_that_keeps_nothing(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """STORE=none: no table and no migration, only the view and its tests."""
    assert new_view.main([VIEW_NAME, "--store", "none", "--root", str(project)]) == 0
    assert capsys.readouterr().out.splitlines()[:4] == [
        f"wrote myservice/views/{VIEW_NAME}.py",
        f"wrote myservice/tests/test_{VIEW_NAME}.py",
        "wrote openapi.json",
        "wrote asyncapi.json",
    ]
    assert not (project / "myservice" / "data" / f"{VIEW_NAME}.py").exists()
    tests = run_python(
        project,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"myservice/tests/test_{VIEW_NAME}.py",
    )
    assert tests.returncode == 0, tests.stdout


def test_a_migration_that_cannot_be_written_leaves_nothing_behind(
    project: Path, capsys: pytest.CaptureFixture[str], without_coverage: None
) -> None:
    """When the revision fails (here, two branches of migrations), the modules written go too."""
    versions = project / "myservice" / "migrations" / "versions"
    for revision in ("aaa", "bbb"):
        (versions / f"{revision}.py").write_text(
            f"revision = {revision!r}\ndown_revision = None\nbranch_labels = None\n"
            "depends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
        )
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "Two branches")
    refusal(new_view.main, [VIEW_NAME], project)
    assert "latest revisions (aaa, bbb)" in capsys.readouterr().err


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
        ("home", "myservice/views/home.py exists already"),
        ("json", "would shadow the standard library's json"),
        ("quart", "would shadow the installed package quart"),
        ("livez", "/livez is taken: the service already serves /livez"),
        ("docs", "/docs is taken: the service already serves /docs"),
        (
            "metrics",
            "/metrics is taken: the service already serves /metrics; serve the view at another"
            " path with make view NAME=metrics URL=/<path>",
        ),
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


@pytest.mark.parametrize("name", ["logs", "health", "settings", "core", "app"])
def test_names_of_the_skeletons_modules_are_free(
    project: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """The skeleton's plumbing lives in core/: its module names are the team's to use for views."""
    assert new_view.main([name, "--root", str(project)]) == 0
    assert (project / "myservice" / "views" / f"{name}.py").is_file()
    assert f"Served at /{name} once the app restarts" in capsys.readouterr().out


def test_a_url_that_core_serves_can_be_avoided_with_url(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make view NAME=metrics URL=/sales-metrics` keeps the name and serves elsewhere."""
    assert new_view.main(["metrics", "--url", "/sales-metrics", "--root", str(project)]) == 0
    assert "Served at /sales-metrics once the app restarts" in capsys.readouterr().out
    spec = json.loads((project / "openapi.json").read_text())
    assert set(spec["paths"]["/sales-metrics"]) == {"get", "post"}
    assert "/metrics" in spec["paths"]


@pytest.mark.parametrize("url", ["sales", "/Sales", "/sales/", "/sales metrics", "/-sales"])
def test_a_url_that_is_not_a_plain_path_is_refused(
    project: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    """A URL must be a lowercase path of hyphenated words: it becomes the blueprint's prefix."""
    refusal(new_view.main, [VIEW_NAME, "--url", url], project)
    assert f"{url!r} is not a URL path for a view" in capsys.readouterr().err


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
