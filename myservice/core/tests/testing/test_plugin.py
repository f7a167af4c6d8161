"""The pytest plugin: each test is isolated from the developer's settings, and gets an app."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from ...identity import ENV_PREFIX, SERVICE
from ...testing.live_server import LiveServer
from ...testing.service import PROJECT, clean_environment

# A test module as a team writes one, relying on the plugin alone.
TEAM_TESTS = textwrap.dedent(
    f"""
    import os
    from pathlib import Path

    async def test_a_test_sees_only_the_defaults(app, client, spec):
        assert not app.debug
        assert app.testing
        service = [name for name in os.environ if name.startswith("{ENV_PREFIX}")]
        assert service == ["{ENV_PREFIX}AUTH_DEVELOPMENT_KEY"]
        assert list(Path.cwd().iterdir()) == []
        assert (await client.get("/livez")).status_code == 200
        assert spec["info"]["title"] == "{SERVICE}"
    """
)


def run_pytest(directory: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run pytest on `directory` with the project's configuration, as a team runs it."""
    command = [sys.executable, "-m", "pytest", "-q", "-c", str(PROJECT / "pyproject.toml")]
    return subprocess.run(
        [*command, "-p", "no:cacheprovider", *arguments, str(directory)],
        cwd=directory,
        env={
            **{
                name: value
                for name, value in clean_environment().items()
                if not name.startswith("PYTEST_")
            },
            "PYTHONPATH": str(PROJECT),
            f"{ENV_PREFIX}DEBUG": "true",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.commands
def test_a_developers_settings_do_not_reach_the_tests(tmp_path: Path) -> None:
    """Variables and a settings.yml in the working directory are hidden from every test."""
    (tmp_path / "test_team.py").write_text(TEAM_TESTS)
    (tmp_path / "settings.yml").write_text("DEBUG: true\n")
    done = run_pytest(tmp_path)
    assert done.returncode == 0, done.stdout
    assert "1 passed" in done.stdout


@pytest.mark.commands
def test_a_test_that_serves_is_left_out_of_make_test(tmp_path: Path) -> None:
    """A test using `serve` is marked `processes`, which make test's selection leaves out."""
    (tmp_path / "test_team.py").write_text(
        "def test_served(serve):\n    pass\n\ndef test_in_process(client):\n    pass\n"
    )
    done = run_pytest(tmp_path, "--collect-only", "-m", "not processes")
    assert done.returncode == 0, done.stdout
    assert "test_team.py::test_in_process" in done.stdout
    assert "test_served" not in done.stdout
    assert "1/2 tests collected (1 deselected)" in done.stdout


def test_serve_runs_the_production_server_with_the_settings_given(
    serve: Callable[..., LiveServer],
) -> None:
    """serve(API_DOCS=False) is `make serve` with that setting in its environment."""
    server = serve(API_DOCS=False)
    assert server.get("/livez")[0] == 200
    assert server.get("/openapi.json")[0] == 404


@pytest.mark.commands
def test_a_run_that_left_out_every_test_asked_for_says_what_runs_them(tmp_path: Path) -> None:
    """Only serving tests, make test's marks: no test ran, and one line names make test-servers."""
    (tmp_path / "test_team.py").write_text("def test_served(serve):\n    pass\n")
    done = run_pytest(tmp_path, "-m", "not commands and not browser and not processes")
    assert done.returncode == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "No test ran" in done.stdout
    assert (
        "Left out, as marked processes, commands, browser: the tests that start servers, run"
        " commands or drive a browser. make test-servers and make test-all run them"
    ) in done.stdout
    # make test-servers' marks leave out commands and browsers only, which test-all runs.
    done = run_pytest(tmp_path, "-m", "not commands and not browser")
    assert (
        "Left out, as marked commands, browser: the tests that run commands or drive a browser."
        " make test-all runs them"
    ) in done.stdout
