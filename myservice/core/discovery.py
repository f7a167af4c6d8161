"""Discovery of the service's modules: its views' Blueprints, its tables, its handlers' modules.

Each public module of views/ defines one Blueprint: adding `views/teams.py` with a Blueprint is
all it takes to serve its routes. Each public module of data/ defines tables, imported so that
the migrations know them all. Modules whose names start with `_` are skipped in views/, so that
shared helpers can live there too.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from quart import Blueprint

from .identity import StartupError


def discover_blueprints(views: ModuleType) -> list[Blueprint]:
    """Import every public module of the package `views`, in name order; return their Blueprints."""
    return [_blueprint_of(views, module) for module in public_modules(views)]


def import_tables(data: ModuleType) -> list[ModuleType]:
    """Import every public module of the package `data`, so that Base.metadata holds its tables."""
    return public_modules(data)


def public_modules(package: ModuleType) -> list[ModuleType]:
    """Every module of `package` whose name does not start with `_`, imported, in name order.

    Views, tables and the events' handlers are found so; `_helpers.py` beside them is not.
    """
    names = sorted(module.name for module in pkgutil.iter_modules(package.__path__))
    return [
        importlib.import_module(f"{package.__name__}.{name}")
        for name in names
        if not name.startswith("_")
    ]


def _blueprint_of(views: ModuleType, module: ModuleType) -> Blueprint:
    found = {id(value): value for value in vars(module).values() if isinstance(value, Blueprint)}
    if len(found) == 1:
        return next(iter(found.values()))
    defines = f"{len(found)} Blueprints" if found else "no Blueprint"
    raise StartupError(
        f"{module.__name__} defines {defines}; every module in {views.__name__} must define"
        " exactly one (start its name with _ to keep it out of discovery)"
    )
