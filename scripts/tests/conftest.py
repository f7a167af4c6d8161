"""Fixtures: copies of the project, committed to a git repository of their own."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.project import ROOT

# The names the tests give a copy's new package and scaffolded view: an ordinary view name, such as
# a team picks, which the skeleton's own tests must leave free.
NEW_NAME = "acme_renamed"
VIEW_NAME = "things"
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def copy_project(target: Path) -> Path:
    """Copy the project's files as git sees them (ignored ones left out) and commit them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "The skeleton")
    return target


def git(root: Path, *arguments: str, check: bool = True) -> str:
    """Run git in `root` and give its output."""
    return subprocess.run(
        ["git", *arguments],
        cwd=root,
        env={**os.environ, **GIT_IDENTITY},
        capture_output=True,
        text=True,
        check=check,
    ).stdout


@contextmanager
def coverage_kept_out() -> Iterator[None]:
    """Keep coverage out of the processes started meanwhile: they run a copy, not this project."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("COVERAGE_")]:
            patch.delenv(name)
        yield


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` but git's own and Python's bytecode caches: to prove nothing changed."""
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not {".git", "__pycache__"} & set(path.relative_to(root).parts)
    }


def refusal(main: Callable[[list[str]], int], argv: list[str], root: Path) -> None:
    """Run a script's `main` and check that it exits 1 having changed no file in `root`."""
    before = snapshot(root)
    assert main([*argv, "--root", str(root)]) == 1
    assert snapshot(root) == before


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh, committed copy of the project."""
    return copy_project(tmp_path)


@pytest.fixture
def without_coverage() -> Iterator[None]:
    """Coverage kept out of the processes the test starts."""
    with coverage_kept_out():
        yield
