"""What a setting is: its default, its type and the limits of its value, checked at start-up.

Each feature declares its settings beside its code (`callers/settings.py`, ...), the service its
own in its settings.py, all as tables of Setting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic
from urllib.parse import urlsplit

from typing_extensions import TypeVar

# The type of a setting's value; a table of settings of every type is a dict[str, Setting].
T = TypeVar("T", default=Any)


@dataclass(frozen=True)
class Setting(Generic[T]):
    """What a setting must be: its type, whether null is allowed, its smallest value or choices.

    A `list` setting is a list of strings; in an environment variable, a JSON list or the
    strings separated by commas or spaces (`a.example, b.example`). A `dict` setting maps names
    to mappings (DOWNSTREAMS); a variable may set one field of one entry (environment.py).

    `check`, if given, takes a value the loader has found of the right type (a str for a str
    setting, a list of strings for a list one) and gives the value to use, or raises ValueError
    saying what is wrong with it ("is not a database URL").
    """

    default: T | None
    kind: type[T]
    minimum: int | None = None
    nullable: bool = False
    choices: tuple[str, ...] = ()
    check: Callable[[T], T] | None = None


def as_yaml(value: object) -> str:
    """A value as settings.yml would write it (JSON is YAML): for messages and `make config`."""
    return json.dumps(value, default=str)


# Hosts a secret or a key may be fetched from over plain http: this machine only.
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def private_enough(url: str) -> bool:
    """Whether `url` is https, or plain http to this machine (for tests and development).

    Over plain http anyone on the way could read what is sent, or change what comes back.
    """
    parts = urlsplit(url)
    if parts.scheme == "http":
        return parts.hostname in LOOPBACK
    return parts.scheme == "https" and bool(parts.hostname)


def one_scope(value: str) -> str:
    """A setting that names the scope a route requires: one word, as scopes are separated by spaces."""
    if not value or any(character.isspace() for character in value):
        raise ValueError(f"must be one scope, a word without spaces, not {value!r}")
    return value
