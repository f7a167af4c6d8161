"""The skeleton's plumbing alone: the service's settings, and one stand-in view instead of its own.

Core's tests of behaviour build their apps here, so that no view a team adds, changes or removes
(a route, a blueprint's name) can change what they see; the policy tests use the service's
real app.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from quart import Blueprint, current_app

from ... import __version__
from ...app import SERVICE as DESCRIBED
from .. import ServiceApp, create_service_app
from ..http.access import public
from ..identity import SERVICE

NO_VIEWS = ModuleType(f"{SERVICE}.core.tests.no_views")
NO_VIEWS.__path__ = []
NO_TABLES = ModuleType(f"{SERVICE}.core.tests.no_tables")
NO_TABLES.__path__ = []
NO_EVENTS = ModuleType(f"{SERVICE}.core.tests.no_events")
NO_EVENTS.__path__ = []

# The service's migrations, which core's tests of them migrate with.
MIGRATIONS = DESCRIBED.migrations

# A name starting with _ cannot be a view module's, so it cannot clash with the service's.
stand_in = Blueprint("_stand_in", __name__)


@stand_in.get("/")
@public
async def front_door() -> dict[str, str]:
    """A JSON answer at /, logged and counted as any view's is: the name and version."""
    return {"name": current_app.name, "version": __version__}


# The factory of create_app() below, for a test to serve the plumbing for real (`serve`).
FACTORY = f"{__name__}:create_app"


def create_app(
    overrides: Mapping[str, object] | None = None, events: ModuleType = NO_EVENTS
) -> ServiceApp:
    """An app with the service's settings, the skeleton's endpoints and the stand-in view.

    Its consumers are those of the package `events`: none unless a test names one.
    """
    plumbing = replace(DESCRIBED, views=NO_VIEWS, data=NO_TABLES, events=events)
    app = create_service_app(plumbing, overrides)
    app.register_blueprint(stand_in)
    return app


def create_app_with_views(
    directory: Path,
    views: Mapping[str, str],
    overrides: Mapping[str, object] | None = None,
    events: Mapping[str, str] | None = None,
) -> ServiceApp:
    """An app whose views (and consumers) are the modules mapped to their sources, not the service's.

    They are written to packages in `directory`, so that they go through discovery and the
    start-up checks as a team's views do. A source imports the plumbing as `{SERVICE}.core`,
    the placeholder replaced by the service's name, and the views as `{VIEWS}`.
    """
    name = f"_views_{abs(hash(directory))}"
    _write_package(directory / name, views, name)
    _write_package(directory / f"{name}_events", events or {}, name)
    sys.path.insert(0, str(directory))
    try:
        importlib.invalidate_caches()
        described = replace(
            DESCRIBED,
            views=importlib.import_module(name),
            data=NO_TABLES,
            events=importlib.import_module(f"{name}_events") if events else NO_EVENTS,
        )
        return create_service_app(described, overrides)
    finally:
        sys.path.remove(str(directory))


def _write_package(package: Path, modules: Mapping[str, str], views: str) -> None:
    package.mkdir()
    (package / "__init__.py").write_text("")
    for module, source in modules.items():
        text = textwrap.dedent(source).replace("{SERVICE}", SERVICE).replace("{VIEWS}", views)
        (package / f"{module}.py").write_text(text)
