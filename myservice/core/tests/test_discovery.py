"""Blueprint discovery in the service's views/, and the policy that pairs each view with tests."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from ... import create_app, views
from ..identity import SERVICE
from ..testing.service import PROJECT

SERVICE_TESTS = PROJECT / SERVICE / "tests"


@pytest.fixture
def extra_views(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A folder whose modules count as modules of the service's views/, for this test only."""
    folder = tmp_path / "extra_views"
    folder.mkdir()
    monkeypatch.setattr(views, "__path__", [*views.__path__, str(folder)])
    yield folder
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "")).startswith(str(folder)):
            del sys.modules[name]


def add_view(folder: Path, name: str, source: str) -> None:
    """Write a view module as a developer would drop it into views/."""
    (folder / f"{name}.py").write_text(textwrap.dedent(source))
    importlib.invalidate_caches()


def registered_modules() -> list[str]:
    """The view modules whose Blueprints a fresh app registers, in registration order."""
    blueprints = create_app().blueprints.values()
    return [b.import_name for b in blueprints if b.import_name.startswith(f"{SERVICE}.views.")]


async def test_a_new_view_module_is_served(extra_views: Path) -> None:
    """Dropping a module with a Blueprint into views/ is all it takes to serve its routes."""
    add_view(
        extra_views,
        "probe_teams",
        """
        from quart import Blueprint

        from ..core import public

        blueprint = Blueprint("probe_teams", __name__)

        @blueprint.get("/probe-teams")
        @public
        async def teams() -> list[str]:
            return ["red", "blue"]
        """,
    )
    response = await create_app().test_client().get("/probe-teams")
    assert response.status_code == 200
    assert await response.get_json() == ["red", "blue"]


def test_blueprints_are_registered_in_module_name_order(extra_views: Path) -> None:
    """Discovery is deterministic: modules are taken in name order, whatever the disk says."""
    for name in ("probe_zulu", "probe_alpha"):
        add_view(extra_views, name, f"import quart\nbp = quart.Blueprint({name!r}, __name__)\n")
    modules = registered_modules()
    assert modules == sorted(modules)
    assert {f"{SERVICE}.views.probe_alpha", f"{SERVICE}.views.probe_zulu"} <= set(modules)


def test_modules_starting_with_underscore_are_skipped(extra_views: Path) -> None:
    """A helper module named _something needs no Blueprint and is not registered."""
    before = registered_modules()
    add_view(extra_views, "_probe_shared", "PAGE_SIZE = 50\n")
    assert registered_modules() == before


def test_one_blueprint_under_two_names_counts_once(extra_views: Path) -> None:
    """An alias of the module's Blueprint is still one Blueprint."""
    add_view(
        extra_views,
        "probe_teams",
        "import quart\nbp = quart.Blueprint('probe_teams', __name__)\nblueprint = bp\n",
    )
    assert registered_modules().count(f"{SERVICE}.views.probe_teams") == 1


@pytest.mark.parametrize(
    ("source", "defines"),
    [
        ("PAGE_SIZE = 50\n", "no Blueprint"),
        (
            "from quart import Blueprint\n"
            "a = Blueprint('a', __name__)\n"
            "b = Blueprint('b', __name__)\n",
            "2 Blueprints",
        ),
    ],
    ids=["none", "two"],
)
def test_a_view_module_needs_exactly_one_blueprint(
    extra_views: Path, source: str, defines: str
) -> None:
    """A view module with no Blueprint, or two, stops the start with a line naming the module."""
    add_view(extra_views, "probe_teams", source)
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert stopped.value.code == (
        f"{SERVICE}: cannot start: {SERVICE}.views.probe_teams defines {defines}; every module in"
        f" {SERVICE}.views must define exactly one"
        " (start its name with _ to keep it out of discovery)"
    )


def test_every_view_module_has_its_test_module() -> None:
    """Policy: views/<name>.py comes with tests/test_<name>.py."""
    modules = [module.name for module in pkgutil.iter_modules(views.__path__)]
    missing = [
        SERVICE_TESTS / f"test_{name}.py"
        for name in modules
        if not name.startswith("_") and not (SERVICE_TESTS / f"test_{name}.py").exists()
    ]
    assert not missing, "add the test module of each view: " + ", ".join(
        str(path.relative_to(PROJECT)) for path in missing
    )
