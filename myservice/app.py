"""The application factory: this service, described to the skeleton's plumbing."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from quart import Quart

from myservice import data, events, settings, views
from myservice.core import Service, create_service_app
from myservice.version import __version__

# All the skeleton's plumbing knows of this service: it imports nothing else of it.
SERVICE = Service(
    version=__version__,
    settings=settings.SETTINGS,
    views=views,
    data=data,
    events=events,
    migrations=Path(__file__).parent / "migrations",
)


def create_app(overrides: Mapping[str, object] | None = None) -> Quart:
    """Build a new, independent app; `overrides` is the top settings layer (tests use it).

    The settings (the skeleton's and those in settings.py) are validated, the skeleton's
    plumbing is set up, the tables in data/ are imported, the consumers in events/ found, then
    every blueprint in views/ is registered.
    """
    return create_service_app(SERVICE, overrides)
