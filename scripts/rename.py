"""`make rename NAME=<name>`: turn the package and every mention of its name into <name>.

It renames the package directory and rewrites every file git tracks: imports, setup.py, the
Makefile, the README, the config files and the OpenAPI snapshot. It leaves two folders as the
skeleton wrote them, so that the skeleton's later changes to them merge without conflicts:
core/, which names no package, and docs/, the skeleton's manual, whose examples speak of the
skeleton's own name (docs/upgrading.md). In the manifests of deploy/ the name is written with
dashes for underscores: Kubernetes names are DNS labels. It runs only on a clean git work tree,
so that the rename is one change to review with `git diff` and to undo with `git reset --hard`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scripts.project import (
    ScriptError,
    argument_parser,
    check_identifier,
    git,
    package_name,
    shadowed_module,
    uncommitted_changes,
)

LONGEST_NAME = 20
# The folders the rename leaves as the skeleton wrote them, under the package and at the top.
KEPT_IN_THE_PACKAGE, KEPT_AT_THE_TOP = "core", "docs"
# The package's own modules: a package named after one would read as it (payments.core.core).
OWN_MODULES = ("core", "app", "settings", "views", "data", "events", "migrations", "tests")


def main(argv: list[str] | None = None) -> int:
    """Rename the project, or say why not and change nothing."""
    parser = argument_parser(__doc__)
    parser.add_argument("name", help="the new package name, such as payments")
    arguments = parser.parse_args(argv)
    try:
        old = package_name(arguments.root)
        changed = rename(arguments.root, arguments.name)
    except ScriptError as error:
        print(f"make rename: {error}; nothing changed", file=sys.stderr)
        return 1
    print(f"Renamed {old} to {arguments.name} in {len(changed)} files.")
    print("Review it with `git status` and `git diff`, run `make test`, then commit it.")
    print("The old package stays installed in .venv, harmlessly, until `make clean`.")
    return 0


def rename(root: Path, new: str) -> list[Path]:
    """Rename the package to `new` everywhere; return the files whose text changed."""
    old = package_name(root)
    check_identifier(new, "package name", LONGEST_NAME)
    if new == old:
        raise ScriptError(f"the package is called {old} already")
    if new in OWN_MODULES:
        raise ScriptError(f"{new} names a module of the package itself; pick another name")
    if (root / new).exists():
        raise ScriptError(f"{new} exists already in {root}")
    shadowed = shadowed_module(new)
    if shadowed:
        raise ScriptError(f"a package named {new} would shadow {shadowed}; pick another name")
    dirty = uncommitted_changes(root)
    if dirty:
        raise ScriptError(
            f"{dirty}: commit or stash your changes first, so that the rename is a change of its"
            " own"
        )
    _git(root, "mv", old, new)
    changed = []
    kept = (root / new / KEPT_IN_THE_PACKAGE, root / KEPT_AT_THE_TOP)
    for path in tracked_files(root):
        if any(folder in path.parents for folder in kept):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text: nothing to rename in it
        lower = kubernetes_name(new) if is_manifest(root, path) else new
        renamed = text.replace(old, lower).replace(old.upper(), new.upper())
        if renamed != text:
            path.write_text(renamed, encoding="utf-8")
            changed.append(path)
    # The new name sorts elsewhere among the imports, and a longer one lengthens the lines that
    # mention it: let the linter sort the imports and the formatter lay the code out again.
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "check", "--select", "I", "--fix", "--quiet", "."], cwd=root, check=True)
    subprocess.run([*ruff, "format", "--quiet", "."], cwd=root, check=True)
    return changed


def kubernetes_name(package: str) -> str:
    """The name of the package's Kubernetes objects and image, which cannot hold underscores."""
    return package.replace("_", "-")


def is_manifest(root: Path, path: Path) -> bool:
    """Whether `path` is a Kubernetes manifest of deploy/, whose names take dashes."""
    return (root / "deploy") in path.parents and path.suffix in {".yaml", ".yml"}


def tracked_files(root: Path) -> list[Path]:
    """The files git tracks in `root`, symbolic links left out."""
    listed = _git(root, "ls-files", "-z").split("\0")
    paths = [root / name for name in listed if name]
    return [path for path in paths if path.is_file() and not path.is_symlink()]


def _git(root: Path, *arguments: str) -> str:
    done = git(root, *arguments)
    if done.returncode != 0:
        raise ScriptError(f"git {' '.join(arguments)} failed: {done.stderr.strip()}")
    return done.stdout


if __name__ == "__main__":
    sys.exit(main())
