"""`make view NAME=<name> [URL=/path] [STORE=none]`: a resource to grow from, ready to serve.

It writes data/<name>.py (the table), a migration that creates it, views/<name>.py (create, list
a page at a time, read, change, delete: validated and documented) and tests/test_<name>.py, at
/<name> (underscores become hyphens) or at URL. STORE=none writes a view that stores nothing,
and no table. Discovery serves the view and the OpenAPI document lists it with no other edit.
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

from scripts.project import (
    ScriptError,
    argument_parser,
    check_identifier,
    format_files,
    package_name,
    run_python,
    shadowed_module,
    undone_on_failure,
    write_templates,
)
from scripts.scaffold import announce
from scripts.spec import write_spec

LONGEST_NAME = 24
STORES = ("database", "none")
URL_PATTERN = re.compile(r"(/[a-z0-9]+(-[a-z0-9]+)*)+")


def main(argv: list[str] | None = None) -> int:
    """Write the view and its test, or say why not and write nothing."""
    parser = argument_parser(__doc__)
    parser.add_argument("name", help="the view's module name, such as refunds or gift_cards")
    parser.add_argument("--url", help="where to serve it, such as /gift-cards (default: from name)")
    parser.add_argument(
        "--store",
        choices=STORES,
        default="database",
        help="where its items live (default: database)",
    )
    arguments = parser.parse_args(argv)
    url = arguments.url or url_of(arguments.name)
    return announce(
        "view",
        arguments.root,
        lambda: write_view(arguments.root, arguments.name, url, arguments.store),
        f"Served at {url} once the app restarts; `make test` runs its tests;"
        " `git diff openapi.json` shows the new operations.",
    )


def write_view(
    root: Path, name: str, url: str | None = None, store: str = "database"
) -> list[Path]:
    """Write the modules, the migration and the new API snapshot; give the files written.

    A bad name is refused before anything is written; a failure afterwards removes what was.
    """
    package = package_name(root)
    url = url or url_of(name)
    check_view_name(root, package, name, url)
    fields = {
        "package": package,
        "name": name,
        "url": url,
        "Model": "".join(part.capitalize() for part in name.split("_") if part),
        "title": name.replace("_", " ").capitalize(),
    }
    prefix = "" if store == "database" else "stateless_"
    targets = {
        f"{prefix}view.py.tmpl": root / package / "views" / f"{name}.py",
        f"{prefix}test_view.py.tmpl": root / package / "tests" / f"test_{name}.py",
    }
    if store == "database":
        targets = {"table.py.tmpl": root / package / "data" / f"{name}.py", **targets}
    written: list[Path] = []
    with undone_on_failure(written):
        write_templates(targets, fields, written)
        if store == "database":
            written.append(write_migration(root, package, f"create {name}"))
        format_files(root, written)
        written.extend(write_spec(root))
    return written


def write_migration(root: Path, package: str, message: str) -> Path:
    """Write the revision that brings the migrated schema up to the tables of data/."""
    versions = root / package / "migrations" / "versions"
    before = set(versions.glob("*.py"))
    with tempfile.TemporaryDirectory() as scratch:
        database = f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.db'}"
        written = run_python(
            root,
            "-m",
            "quart",
            "db",
            "revision",
            "-m",
            message,
            env={f"{package.upper()}_DATABASE_URL": database},
        )
    [revision] = set(versions.glob("*.py")) - before or [None]
    if written.returncode != 0 or revision is None:
        raise ScriptError(f"the migration could not be written:\n{written.stderr.strip()}")
    return revision


def check_view_name(root: Path, package: str, name: str, url: str) -> None:
    """Refuse a name that is invalid, taken by a file, or shadows a module; or a URL in use."""
    check_identifier(name, "view name", LONGEST_NAME)
    for taken in (
        root / package / "views" / f"{name}.py",
        root / package / "data" / f"{name}.py",
        root / package / "tests" / f"test_{name}.py",
    ):
        if taken.exists():
            raise ScriptError(f"{taken.relative_to(root)} exists already")
    shadowed = shadowed_module(name)
    if shadowed:
        raise ScriptError(f"a view named {name} would shadow {shadowed}; pick another name")
    if not URL_PATTERN.fullmatch(url):
        raise ScriptError(
            f"{url!r} is not a URL path for a view: use /, then lowercase letters, digits and"
            " hyphens, such as /gift-cards"
        )
    routed = [rule for rule in served_rules(root, package) if _under(rule, url)]
    if routed:
        raise ScriptError(
            f"{url} is taken: the service already serves {routed[0]}; serve the view at another"
            f" path with make view NAME={name} URL=/<path>"
        )


def url_of(name: str) -> str:
    """The view's URL prefix: /gift-cards for gift_cards."""
    return "/" + name.replace("_", "-")


def served_rules(root: Path, package: str) -> list[str]:
    """The URL rules the project's app serves, asked of a fresh interpreter run in `root`."""
    program = (
        f"import json; from {package} import create_app;"
        " print(json.dumps([rule.rule for rule in create_app().url_map.iter_rules()]))"
    )
    found = run_python(root, "-c", program)
    if found.returncode != 0:
        raise ScriptError(f"the app does not start, so its routes are unknown: {found.stderr}")
    rules: list[str] = json.loads(found.stdout.splitlines()[-1])
    return rules


def _under(rule: str, prefix: str) -> bool:
    return rule == prefix or rule.startswith(prefix + "/")


if __name__ == "__main__":
    sys.exit(main())
