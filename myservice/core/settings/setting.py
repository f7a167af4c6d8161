"""What a setting is: its default, its type and the limits of its value, checked at start-up.

Each feature declares its settings beside its code (`callers/settings.py`, ...), the service its
own in its settings.py, all as tables of Setting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """What a setting must be: its type, whether null is allowed, its smallest value or choices.

    A `list` setting is a list of strings; in an environment variable, a JSON list or the
    strings separated by commas or spaces (`a.example, b.example`). A `dict` setting maps names
    to mappings (DOWNSTREAMS); a variable may set one field of one entry (environment.py).

    `check`, if given, takes a value of the right type and gives the value to use, or raises
    ValueError saying what is wrong with it ("is not a database URL").
    """

    default: bool | int | str | list[str] | dict[str, object] | None
    kind: type[bool] | type[int] | type[str] | type[list[str]] | type[dict[str, object]]
    minimum: int | None = None
    nullable: bool = False
    choices: tuple[str, ...] = ()
    check: Callable[[object], object] | None = None


def as_yaml(value: object) -> str:
    """A value as settings.yml would write it (JSON is YAML): for messages and `make config`."""
    return json.dumps(value, default=str)
