"""The environment layer of the settings: <SERVICE>_<KEY> variables, read as Quart reads them.

A value is JSON where it parses and the text itself otherwise; a string setting keeps its text.
A mapping setting (DOWNSTREAMS) may also be set one field at a time, so that a deployment
changes one downstream's URL without restating the rest: <SERVICE>_DOWNSTREAMS__BILLING__URL
sets `url` of the entry `billing`, over what the file says, and
<SERVICE>_DOWNSTREAMS__BILLING__AUTH__CLIENT_ID the field `client_id` of its `auth`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..identity import ENV_PREFIX
from .fields import FieldOverride, FieldPath, field_path
from .secret_files import file_target

if TYPE_CHECKING:
    from .files import Entry
    from .setting import Setting


def environment_entries(table: Mapping[str, Setting]) -> list[Entry]:
    """The settings the environment sets, as (variables, key, value), in variable order.

    A mapping setting's field variables make one entry, so that an entry they create is
    checked once it has all its fields.
    """
    entries: list[Entry] = []
    fields: dict[str, list[tuple[str, tuple[FieldPath, object]]]] = {}
    for variable, raw in sorted(os.environ.items()):
        if not variable.startswith(ENV_PREFIX) or file_target(variable, table) is not None:
            continue
        named = field_path(variable, table)
        if named is not None:
            key, path = named
            fields.setdefault(key, []).append((variable, (path, _parsed(raw))))
        else:
            name = variable.removeprefix(ENV_PREFIX)
            entries.append((variable, name, value_of(table.get(name), raw)))
    for key, given in fields.items():
        variables = ", ".join(variable for variable, _ in given)
        entries.append((variables, key, FieldOverride(tuple(field for _, field in given))))
    return entries


def value_of(setting: Setting | None, raw: str) -> object:
    """A variable's text as the setting's value: JSON where it parses, as the setting takes it."""
    value = _parsed(raw)
    # A string setting keeps its text as written: <PREFIX>SECRET_KEY=1234 is "1234", not 1234;
    # null is null where the setting may be null (<PREFIX>RATE_LIMIT=null turns it off).
    if setting is not None and setting.kind is str and not isinstance(value, str):
        return None if value is None and setting.nullable else raw
    if setting is not None and setting.kind is list and not isinstance(value, list | None):
        return raw.replace(",", " ").split()
    return value


def _parsed(raw: str) -> object:
    """JSON where it parses, else the text itself (as Quart does)."""
    try:
        value: object = json.loads(raw)
    except ValueError:
        return raw
    return value
