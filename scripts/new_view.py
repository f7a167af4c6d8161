"""`make view NAME=<name>`: write views/<name>.py and tests/test_<name>.py, ready to serve.

The view is a blueprint at /<name> (underscores become hyphens) with a documented, validated
example: a GET with a query-string model and a POST with a body model. Discovery serves it and
the OpenAPI document lists it with no other edit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from string import Template

from scripts.project import (
    ScriptError,
    argument_parser,
    check_identifier,
    package_name,
    run_python,
    shadowed_module,
)
from scripts.spec import write_spec

TEMPLATES = Path(__file__).parent / "templates"
LONGEST_NAME = 24


def main(argv: list[str] | None = None) -> int:
    """Write the view and its test, or say why not and write nothing."""
    parser = argument_parser(__doc__)
    parser.add_argument("name", help="the view's module name, such as refunds or gift_cards")
    arguments = parser.parse_args(argv)
    try:
        written = write_view(arguments.root, arguments.name)
    except ScriptError as error:
        print(f"make view: {error}; nothing written", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(arguments.root)}")
    print(
        f"Served at {url_of(arguments.name)} once the app restarts; `make test` runs its tests;"
        " `git diff openapi.json` shows the new operations."
    )
    return 0


def write_view(root: Path, name: str) -> list[Path]:
    """Write the view, its test and the new API snapshot; refuse a bad name, writing nothing."""
    package = package_name(root)
    check_view_name(root, package, name)
    fields = {
        "package": package,
        "name": name,
        "url": url_of(name),
        "Model": "".join(part.capitalize() for part in name.split("_") if part),
        "title": name.replace("_", " ").capitalize(),
    }
    targets = {
        "view.py.tmpl": root / package / "views" / f"{name}.py",
        "test_view.py.tmpl": root / package / "tests" / f"test_{name}.py",
    }
    for template, target in targets.items():
        text = Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(fields)
        target.write_text(text, encoding="utf-8")
    # The class and function names vary in length: let the project's formatter lay them out.
    subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--quiet", *map(str, targets.values())],
        cwd=root,
        check=True,
    )
    return [*targets.values(), write_spec(root)]


def check_view_name(root: Path, package: str, name: str) -> None:
    """Refuse a name that is invalid, taken by a file or a route, or that shadows a module."""
    check_identifier(name, "view name", LONGEST_NAME)
    for taken in (
        root / package / "views" / f"{name}.py",
        root / package / "tests" / f"test_{name}.py",
    ):
        if taken.exists():
            raise ScriptError(f"{taken.relative_to(root)} exists already")
    shadowed = shadowed_module(name) or _package_module(root, package, name)
    if shadowed:
        raise ScriptError(f"a view named {name} would shadow {shadowed}; pick another name")
    routed = [rule for rule in served_rules(root, package) if _under(rule, url_of(name))]
    if routed:
        raise ScriptError(f"{url_of(name)} is taken: the service already serves {routed[0]}")


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


def _package_module(root: Path, package: str, name: str) -> str | None:
    if (root / package / f"{name}.py").exists() or (root / package / name).is_dir():
        return f"the module {package}.{name}"
    return None


def _under(rule: str, prefix: str) -> bool:
    return rule == prefix or rule.startswith(prefix + "/")


if __name__ == "__main__":
    sys.exit(main())
