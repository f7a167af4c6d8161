"""The service as its app.py describes it to core: the one way core knows the team's code.

No module of core that ships imports the service's package: its version, settings, views,
tables, consumers and migrations come in this description, which create_service_app() keeps on
the app for every part of core that needs one of them. (The test plugin, in testing/, builds
the service's app with the package's create_app.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quart import Quart

    from ..settings.setting import Setting

EXTENSION_KEY = __name__


@dataclass(frozen=True)
class Service:
    """The service's version and settings, and the packages and folder of its code."""

    version: str
    settings: Mapping[str, Setting]
    # One Blueprint per module; one table per module; one consumer per module.
    views: ModuleType
    data: ModuleType
    events: ModuleType
    # Alembic's folder: env.py, script.py.mako and versions/.
    migrations: Path


def service_of(app: Quart) -> Service:
    """The description the app was built from."""
    service: Service = app.extensions[EXTENSION_KEY]
    return service
