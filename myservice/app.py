"""The application factory: this service's settings and views on the skeleton's plumbing."""

from __future__ import annotations

from collections.abc import Mapping

from quart import Quart

from myservice import data, settings, views
from myservice.core import create_service_app


def create_app(overrides: Mapping[str, object] | None = None) -> Quart:
    """Build a new, independent app; `overrides` is the top settings layer (tests use it).

    The settings (the skeleton's and those in settings.py) are validated, the skeleton's
    plumbing is set up, the tables in data/ are imported, then every blueprint in views/ is
    registered.
    """
    return create_service_app(settings.SETTINGS, views, data, overrides)
