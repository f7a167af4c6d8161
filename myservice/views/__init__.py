"""Views: each public module in this package defines one Blueprint, registered at start-up.

Adding `teams.py` with a Blueprint is all it takes to serve its routes. Modules whose names start
with `_` are skipped, so shared helpers can live here too.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from quart import Blueprint

from myservice.startup import StartupError


def discover_blueprints() -> list[Blueprint]:
    """Import every public module of this package, in name order, and return its Blueprint."""
    names = sorted(module.name for module in pkgutil.iter_modules(__path__))
    public = [name for name in names if not name.startswith("_")]
    return [_blueprint_of(importlib.import_module(f"{__name__}.{name}")) for name in public]


def _blueprint_of(module: ModuleType) -> Blueprint:
    found = {id(value): value for value in vars(module).values() if isinstance(value, Blueprint)}
    if len(found) == 1:
        return next(iter(found.values()))
    defines = f"{len(found)} Blueprints" if found else "no Blueprint"
    raise StartupError(
        f"{module.__name__} defines {defines}; every module in {__name__} must define exactly one"
        " (start its name with _ to keep it out of discovery)"
    )
