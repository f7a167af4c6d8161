"""`make rename NAME=<name>` turns the project into <name>, or refuses and changes nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from myservice.core.testing.live_server import LiveServer, free_port
from scripts import new_view, rename
from scripts.project import ROOT, run_python
from scripts.tests.conftest import (
    NEW_NAME,
    VIEW_NAME,
    copy_project,
    coverage_kept_out,
    git,
    refusal,
)

BINARY = b"\x89PNG\r\n\x1a\n\x00\xff myservice"


@pytest.fixture(scope="module")
def renamed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy renamed to NEW_NAME, its home view replaced by a scaffolded one; coverage kept out.

    Without the skeleton's own example view, the skeleton's tests must still pass.
    """
    with coverage_kept_out():
        root = copy_project(tmp_path_factory.mktemp("renamed"))
        (root / "logo.png").write_bytes(BINARY)
        git(root, "add", "logo.png")
        git(root, "commit", "-q", "-m", "A file that is not text")
        assert rename.main([NEW_NAME, "--root", str(root)]) == 0
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "Rename")
        git(root, "rm", "-q", f"{NEW_NAME}/views/home.py", f"{NEW_NAME}/tests/test_home.py")
        assert new_view.main([VIEW_NAME, "--root", str(root)]) == 0
        yield root


def test_no_mention_of_the_old_name_is_left_but_in_the_skeletons_guides(renamed: Path) -> None:
    """The package moved, no text file git tracks says myservice any more, binaries are kept.

    But docs/, the skeleton's manual, which the rename leaves as written, so that its later
    changes merge cleanly.
    """
    assert (renamed / "logo.png").read_bytes() == BINARY
    assert (renamed / NEW_NAME / "app.py").is_file()
    assert not (renamed / "myservice").exists()
    mentions = git(renamed, "grep", "-I", "-l", "-e", "myservice", "-e", "MYSERVICE", check=False)
    assert {path for path in mentions.splitlines() if not path.startswith("docs/")} == set()
    assert (renamed / "docs").is_dir()
    assert git(renamed, "diff", "--stat", "HEAD~2", "HEAD", "--", "docs") == ""
    assert f"QUART_APP={NEW_NAME}" in (renamed / "Makefile").read_text()


def test_the_rename_changes_no_line_of_core(renamed: Path) -> None:
    """Every file of core/ is the skeleton's, byte for byte: git sees only renames there."""
    core = ROOT / "myservice" / "core"
    original = [
        path for path in core.rglob("*") if path.is_file() and "__pycache__" not in path.parts
    ]
    assert original
    for path in original:
        relative = path.relative_to(ROOT / "myservice")
        assert (renamed / NEW_NAME / relative).read_bytes() == path.read_bytes(), relative
    changes = git(renamed, "diff", "--name-status", "-M100%", "HEAD~1", "HEAD")
    in_core = [line for line in changes.splitlines() if f"\t{NEW_NAME}/core/" in line]
    assert len(in_core) == len(original)
    assert all(line.startswith("R100\t") for line in in_core), in_core


def test_the_renamed_service_reads_its_variables_under_the_new_prefix(renamed: Path) -> None:
    """The settings' environment prefix follows the package: ACME_RENAMED_DEBUG, not MYSERVICE_."""
    program = f"from {NEW_NAME} import create_app; print(create_app().debug)"
    variable = f"{NEW_NAME.upper()}_DEBUG"
    done = subprocess.run(
        [sys.executable, "-c", program],
        cwd=renamed,
        env={**os.environ, "PYTHONPATH": str(renamed), variable: "true"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.strip() == "True", done.stderr


def test_kubernetes_names_take_dashes_and_variables_keep_underscores(renamed: Path) -> None:
    """Kubernetes refuses underscores in names; the MYSERVICE_ variables must keep theirs."""
    dashed = NEW_NAME.replace("_", "-")
    assert dashed != NEW_NAME
    configmap = (renamed / "deploy" / "base" / "configmap.yaml").read_text()
    assert f"  name: {dashed}\n" in configmap
    assert f"  {NEW_NAME.upper()}_API_DOCS: " in configmap
    assert (
        f"  - name: {dashed}\n" in (renamed / "deploy" / "base" / "kustomization.yaml").read_text()
    )


def test_the_renamed_copy_passes_its_own_tests(renamed: Path) -> None:
    """The copy's suite as `make test` runs it passes, the scaffolded view's tests included.

    Its serving and broker tests run in the team's-first-day test (test_journey.py), under
    `make serve` and `make worker` of a renamed copy: twice here, beside this run's own, they
    would only double the time.
    """
    # Temporary directories of its own: pytest removes all but the latest three of a root it
    # shares, which could be this run's own.
    temporary = renamed.with_name(f"{renamed.name}-tmp")
    temporary.mkdir(exist_ok=True)
    marks = "not commands and not browser and not processes"
    tests = run_python(
        renamed,
        *("-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "-m", marks, NEW_NAME),
        env={"TMPDIR": str(temporary)},
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert " passed" in tests.stdout.splitlines()[-1]


def test_quart_run_serves_the_renamed_app(renamed: Path) -> None:
    """QUART_APP=<new name> quart run serves the API under the new name."""
    port = free_port()
    server = LiveServer.start(
        [sys.executable, "-m", "quart", "run", "--port", str(port)],
        port=port,
        cwd=renamed,
        env={
            **os.environ,
            "PYTHONPATH": str(renamed),
            "QUART_APP": NEW_NAME,
            # As `make run` sets it: the made view requires tokens, from the development key.
            f"{NEW_NAME.upper()}_AUTH_DEVELOPMENT_KEY": "true",
        },
    )
    try:
        status, _, body = server.get("/openapi.json")
    finally:
        server.stop(signal.SIGINT)
    assert status == 200
    assert json.loads(body)["info"]["title"] == NEW_NAME


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "give the package name as NAME=<name>"),
        ("Payments", "'Payments' is not a valid package name"),
        ("my-service", "'my-service' is not a valid package name"),
        ("import", "'import' is a Python keyword"),
        ("a" * 21, "is longer than 20 characters"),
        ("myservice", "the package is called myservice already"),
        ("core", "core names a module of the package itself"),
        ("views", "views names a module of the package itself"),
        ("scripts", "scripts exists already"),
        ("json", "would shadow the standard library's json"),
        ("pydantic", "would shadow the installed package pydantic"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_changes(
    project: Path, capsys: pytest.CaptureFixture[str], name: str, reason: str
) -> None:
    """Each refusal exits 1 with one line saying why, and leaves every file as it was."""
    refusal(rename.main, [name], project)
    error = capsys.readouterr().err
    assert error.startswith("make rename: ")
    assert reason in error
    assert error.rstrip().endswith("; nothing changed")


def test_a_dirty_tree_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Uncommitted changes would mix with the rename, so it asks for them to be committed first."""
    (project / "README.md").write_text("edited\n")
    refusal(rename.main, [NEW_NAME], project)
    assert "git status lists 1 uncommitted change: commit or stash" in capsys.readouterr().err


def test_a_tree_outside_git_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without git there is no way to review or undo the rename, so it does not start."""
    shutil.rmtree(project / ".git")
    refusal(rename.main, [NEW_NAME], project)
    assert "it is not a git work tree" in capsys.readouterr().err


def test_a_later_skeleton_change_merges_cleanly_into_a_renamed_service(project: Path) -> None:
    """As docs/upgrading.md says: core's changed and new modules land in the renamed package.

    The change rewrites a line in the middle of a core module, and a line of docs/ that names
    the package, which merge only because the rename left both as the skeleton wrote them; the
    service's own views are untouched.
    """
    service = git(project, "rev-parse", "--abbrev-ref", "HEAD").strip()
    git(project, "branch", "skeleton")
    assert rename.main([NEW_NAME, "--root", str(project)]) == 0
    git(project, "commit", "-q", "-a", "-m", "Rename")
    git(project, "checkout", "-q", "skeleton")
    errors = project / "myservice" / "core" / "http" / "problems.py"
    changed = errors.read_text().replace('"about:blank"', '"about:blank"  # RFC 9457, 4.2.1')
    assert changed != errors.read_text()
    errors.write_text(changed)
    (project / "myservice" / "core" / "downstreams" / "added.py").write_text(
        '"""A module it adds."""\n'
    )
    guide = project / "docs" / "api.md"
    # A line of the guides that names the package, as the renamed copy still has it.
    edited = guide.read_text().replace(
        "is a file in `myservice/", "is a Python file in `myservice/"
    )
    assert edited != guide.read_text()
    guide.write_text(edited)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "A later improvement of the skeleton")
    git(project, "checkout", "-q", service)
    git(project, "-c", "merge.directoryRenames=true", "merge", "-q", "--no-edit", "skeleton")
    assert (project / NEW_NAME / "core" / "http" / "problems.py").read_text() == changed
    assert (project / NEW_NAME / "core" / "downstreams" / "added.py").is_file()
    assert guide.read_text() == edited
    assert not (project / "myservice").exists()
    assert git(project, "status", "--porcelain") == ""


def test_a_module_the_skeleton_moved_is_taken_whole_as_docs_upgrading_says(project: Path) -> None:
    """A core module moved on the skeleton's side conflicts with the rename; the recipe solves it.

    Git cannot tell a moved module from a deleted one and a new one once the package around it
    was renamed too, so docs/upgrading.md takes the skeleton's core/ whole, as it is: the
    team never edits it. The recipe is run here as written there.
    """
    service = git(project, "rev-parse", "--abbrev-ref", "HEAD").strip()
    git(project, "branch", "skeleton")
    assert rename.main([NEW_NAME, "--root", str(project)]) == 0
    git(project, "commit", "-q", "-a", "-m", "Rename")
    git(project, "checkout", "-q", "skeleton")
    http = project / "myservice" / "core" / "http"
    git(project, "mv", str(http / "routes.py"), str(http / "route_names.py"))
    git(project, "commit", "-q", "-m", "The skeleton moves a module")
    git(project, "checkout", "-q", service)
    merge = ["-c", "merge.directoryRenames=true", "merge", "-q", "--no-edit", "skeleton"]
    git(project, *merge, check=False)
    assert "routes.py" in git(project, "diff", "--name-only", "--diff-filter=U")
    recipe = (ROOT / "docs" / "upgrading.md").read_text().split("## When the skeleton moved")[1]
    [commands] = re.findall(r"```\n(.*?)```", recipe, re.DOTALL)
    for line in commands.splitlines():
        named = line.replace("<package>", NEW_NAME).replace("<skeleton>", "myservice")
        words = named.replace("skeleton/main", "skeleton").split()
        assert words[0] == "git", line
        git(project, *words[1:])
    assert (project / NEW_NAME / "core" / "http" / "route_names.py").is_file()
    assert not (project / NEW_NAME / "core" / "http" / "routes.py").exists()
    assert not (project / "myservice").exists()
    assert git(project, "status", "--porcelain") == ""
