"""The skeleton's plumbing alone: the service's settings, and one stand-in view instead of its own.

Core's tests of behaviour build their apps here, so that no view a team adds, changes or removes
(a route, a blueprint's name) can change what they see; the policy tests use the service's
real app.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

from quart import Blueprint, current_app

from ... import settings
from .. import ServiceApp, create_service_app
from ..startup import SERVICE

NO_VIEWS = ModuleType(f"{SERVICE}.core.tests.no_views")
NO_VIEWS.__path__ = []
NO_TABLES = ModuleType(f"{SERVICE}.core.tests.no_tables")
NO_TABLES.__path__ = []

# A name starting with _ cannot be a view module's, so it cannot clash with the service's.
stand_in = Blueprint("_stand_in", __name__)


@stand_in.get("/")
async def front_door() -> dict[str, str]:
    """A JSON answer at /, logged and counted as any view's is."""
    return {"name": current_app.name}


def create_app(overrides: Mapping[str, object] | None = None) -> ServiceApp:
    """An app with the service's settings, the skeleton's endpoints and the stand-in view."""
    app = create_service_app(settings.SETTINGS, NO_VIEWS, NO_TABLES, overrides)
    app.register_blueprint(stand_in)
    return app
