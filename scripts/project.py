"""What the scripts know about the project: where it lives, its package, and the names it takes."""

from __future__ import annotations

import argparse
import importlib.util
import keyword
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).parent / "templates"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
PACKAGE_NAME = re.compile(r'^\s*name="([a-z][a-z0-9_]*)",$', re.MULTILINE)


def argument_parser(docstring: str | None) -> argparse.ArgumentParser:
    """A script's parser: described by its docstring's first line, with --root for the project."""
    parser = argparse.ArgumentParser(description=(docstring or "").splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the project (default: this one)")
    return parser


class ScriptError(Exception):
    """A script cannot do what it was asked; the message says why, and what to do instead."""


def package_name(root: Path) -> str:
    """The package's name, as setup.py declares it (renaming changes it)."""
    setup = root / "setup.py"
    found = PACKAGE_NAME.search(setup.read_text(encoding="utf-8")) if setup.is_file() else None
    if found is None or not (root / found[1] / "__init__.py").is_file():
        raise ScriptError(f"{root} does not look like this project: no package named in setup.py")
    return found[1]


def check_identifier(name: str, what: str, longest: int) -> None:
    """Refuse a name that is not a lowercase Python identifier, Python reserves, or is too long.

    The names end up in lines of code, docstrings and comments; past `longest` characters they
    would push some over the line length the linter allows.
    """
    if not name:
        raise ScriptError(f"give the {what} as NAME=<name>, for example NAME=refunds")
    if not NAME_PATTERN.fullmatch(name):
        raise ScriptError(
            f"{name!r} is not a valid {what}: use lowercase letters, digits and _, starting with"
            " a letter"
        )
    if keyword.iskeyword(name):
        raise ScriptError(f"{name!r} is a Python keyword; pick another {what}")
    if len(name) > longest:
        raise ScriptError(f"{name!r} is longer than {longest} characters; pick a shorter {what}")


def shadowed_module(name: str) -> str | None:
    """Which importable module `name` would shadow, if any: standard library or installed."""
    if name in sys.stdlib_module_names:
        return f"the standard library's {name}"
    spec = importlib.util.find_spec(name)
    # A directory without __init__.py, such as the project's docs/, is no package to shadow.
    if spec is not None and spec.origin is not None:
        return f"the installed package {name}"
    return None


def git(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run git in `root`, its output kept as text; the caller reads its status."""
    return subprocess.run(  # nosec B603  # git, with the script's arguments
        ["git", *arguments],  # nosec B607
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def uncommitted_changes(root: Path) -> str | None:
    """Why the work tree is not clean (git's own words), or None when it is."""
    status = git(root, "status", "--porcelain", "--untracked-files=normal")
    if status.returncode != 0:
        return f"it is not a git work tree ({status.stderr.strip()})"
    if status.stdout:
        count = len(status.stdout.splitlines())
        return f"git status lists {count} uncommitted change" + ("s" if count > 1 else "")
    return None


def run_python(
    root: Path, *arguments: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run this Python on `arguments` in `root`, importing the project from there, not from here.

    QUART_APP names the project's package, for `-m quart` commands; `env` adds variables.
    """
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "QUART_APP": package_name(root), **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )


def format_files(root: Path, paths: list[Path]) -> None:
    """Sort the imports and lay out the code: the names vary in length, and so do the lines."""
    ruff = [sys.executable, "-m", "ruff"]
    files = [str(path) for path in paths]
    subprocess.run(
        [*ruff, "check", "--select", "I", "--fix", "--quiet", *files], cwd=root, check=True
    )
    subprocess.run([*ruff, "format", "--quiet", *files], cwd=root, check=True)


def write_templates(
    targets: Mapping[str, Path], fields: Mapping[str, str], written: list[Path]
) -> None:
    """Write each template of `targets` (names in templates/) filled with `fields` to its path.

    Each file written is added to `written`, for undone_on_failure() to remove.
    """
    for template, target in targets.items():
        text = Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(fields)
        target.write_text(text, encoding="utf-8")
        written.append(target)


@contextmanager
def undone_on_failure(written: list[Path]) -> Iterator[None]:
    """Should the block fail, remove the files `written` so far, and say why as a ScriptError."""
    try:
        yield
    except (ScriptError, subprocess.CalledProcessError) as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise ScriptError(str(error)) from None
