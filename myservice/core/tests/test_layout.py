"""Policy: the package's layout, read from its files: tests, import direction, module size.

The imports are read, not run: importing the package to look would import everything.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from .imports import Imports, read_imports

CORE = Path(__file__).resolve().parents[1]
PACKAGE = CORE.parent
# The longest a module that ships may be, in lines: one sitting's reading.
LONGEST = 200
# What the settings table may import beyond the standard library: it reads YAML files, and its
# Setting is generic with a default type, which the standard library has from Python 3.13 only.
SETTINGS_LIBRARIES = {"yaml", "typing_extensions"}
# core's folders from the bottom up: the settings and the base of every request (problems, the
# request class, the caller, Model, the readiness registry, routes), then the features, each
# above those it builds on, the server last. A folder imports only the folders below it.
FLOORS = (
    "settings",
    "http",
    "data",
    "api",
    "observability",
    "downstreams",
    "callers",
    "events",
    "serve",
)
# Support for tests, which may import anything, and which nothing that ships imports.
OFF_FLOORS = ("testing", "tests")


def test_every_module_of_core_has_its_test_module() -> None:
    """core/<folder>/<module>.py is tested by core/tests/<folder>/test_<module>.py.

    __init__ modules are tested by test_init.py; a package's __main__ by its supervisor's tests;
    the skeleton's revisions by test_migrations.py, which takes each down and up.
    A package with nothing but its docstring, and a module that only declares a table of
    settings (no function, no class), have no behaviour of their own to test.
    """
    untested = []
    for module in CORE.rglob("*.py"):
        relative = module.relative_to(CORE)
        if (
            relative.parts[0] == "tests"
            or relative.parent.name == "skeleton_revisions"
            or module.name == "__main__.py"
            or _declares_only(module)
        ):
            continue
        name = "init" if module.stem == "__init__" else module.stem
        expected = CORE / "tests" / relative.parent / f"test_{name}.py"
        if not expected.is_file():
            untested.append(str(relative))
    assert untested == []


@pytest.fixture(scope="module")
def imports() -> Imports:
    """The package's imports, read once for the tests that need them, and not at collection."""
    return read_imports(PACKAGE)


def test_no_module_imports_itself_back(imports: Imports) -> None:
    """No import circle anywhere in the package, type-only and deferred imports included.

    A circle means a type lives beside one of its users instead of below both.
    """
    assert imports.circles() == []


def test_core_folders_import_downward_only(imports: Imports) -> None:
    """A folder of core imports only the folders below it in FLOORS, which names every folder.

    So a feature can be read, and changed, knowing only what lies below it.
    """
    folders = {path.name for path in CORE.iterdir() if (path / "__init__.py").is_file()}
    assert folders - set(OFF_FLOORS) == set(FLOORS)
    upward = sorted(
        f"{module} imports {edge.target}"
        for module, edges in imports.modules.items()
        if (floor := _floor(module)) is not None
        for edge in edges
        if not edge.typing and (target := _floor(edge.target)) is not None and target > floor
    )
    assert upward == []


def _floor(module: str) -> int | None:
    """The floor of the folder of core that `module` is in; None outside the floors."""
    parts = module.split(".")
    if len(parts) < 4 or parts[1] != "core" or parts[2] not in FLOORS:
        return None
    return FLOORS.index(parts[2])


def test_the_settings_table_imports_no_features_library(imports: Imports) -> None:
    """Loading the settings table imports the features' tables, never their libraries."""
    table = f"{PACKAGE.name}.core.settings_table"
    libraries = imports.libraries_reached(table)
    assert libraries - set(sys.stdlib_module_names) <= SETTINGS_LIBRARIES


def test_nothing_that_ships_imports_the_test_support(imports: Imports) -> None:
    """Only tests and core/testing/ import pytest or core/testing/: a served app never does."""
    testing = f"{PACKAGE.name}.core.testing"
    shipped = [name for name in imports.modules if not _is_test_support(name, testing)]
    reaching = {
        name: reached
        for name in shipped
        if (reached := {"pytest", testing} & _reached(imports, name, testing))
    }
    assert reaching == {}


def test_the_test_support_that_servers_need_imports_no_pytest(imports: Imports) -> None:
    """The benchmark and the tooling start servers through core/testing/ without pytest."""
    for name in ("live_server", "service", "key_server"):
        module = f"{PACKAGE.name}.core.testing.{name}"
        assert "pytest" not in imports.libraries_reached(module, lazy=True), module


def test_no_module_that_ships_is_longer_than_one_sitting() -> None:
    """Every module outside the tests is at most LONGEST lines long."""
    long = {
        str(module.relative_to(PACKAGE)): lines
        for module in PACKAGE.rglob("*.py")
        if "tests" not in module.relative_to(PACKAGE).parts
        and (lines := module.read_text().count("\n")) > LONGEST
    }
    assert long == {}


def _reached(imports: Imports, name: str, testing: str) -> set[str]:
    """The libraries `name` reaches, and `testing` if it reaches any module of it."""
    reached = imports.libraries_reached(name, lazy=True)
    if any(_is_test_support(module, testing) for module in imports.closure(name, lazy=True)):
        reached.add(testing)
    return reached


def _is_test_support(name: str, testing: str) -> bool:
    return name == testing or name.startswith(f"{testing}.") or ".tests" in f".{name}"


def _declares_only(module: Path) -> bool:
    """Whether a module defines no function and no class: a docstring, names and tables."""
    tree = ast.parse(module.read_text())
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return not any(isinstance(node, kinds) for node in tree.body)


def test_the_reader_sees_every_kind_of_import(tmp_path: Path) -> None:
    """A circle closed by a type-only import is one; a deferred import is followed when asked."""
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "orders.py").write_text("import yaml\nfrom .payments import Payment\n")
    (package / "payments.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .orders import Order\nelse:\n    import json\n"
        "def pay():\n    import httpx\n"
    )
    imports = read_imports(package)
    assert imports.circles() == [["shop.orders", "shop.payments"]]
    assert imports.libraries_reached("shop.orders") == {"yaml", "typing", "json"}
    assert "httpx" in imports.libraries_reached("shop.orders", lazy=True)
    assert imports.closure("shop.payments") == {"shop.payments"}
