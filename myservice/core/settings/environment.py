"""The environment layer of the settings: <SERVICE>_<KEY> variables, read as Quart reads them.

A value is JSON where it parses and the text itself otherwise; a string setting keeps its text.
A mapping setting (DOWNSTREAMS) may also be set one field at a time, so that a deployment
changes one downstream's URL without restating the rest: <SERVICE>_DOWNSTREAMS__BILLING__URL
sets `url` of the entry `billing`, over what the file says.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..identity import ENV_PREFIX
from .secret_files import file_key

if TYPE_CHECKING:
    from .files import Entry
    from .setting import Setting

# <KEY>__<ENTRY>__<FIELD>
FIELD_SEPARATOR = "__"


@dataclass(frozen=True)
class FieldOverride:
    """The fields of entries of a mapping setting that variables set, all applied at once."""

    fields: tuple[tuple[str, str, object], ...]

    def applied_to(self, mapping: object) -> dict[str, object]:
        """`mapping` with the fields set, the rest of it and of its entries as they were."""
        entries = dict(mapping) if isinstance(mapping, dict) else {}
        for entry, field, value in self.fields:
            current = entries.get(entry)
            entries[entry] = {**(current if isinstance(current, dict) else {}), field: value}
        return entries


def environment_entries(table: Mapping[str, Setting]) -> list[Entry]:
    """The settings the environment sets, as (variables, key, value), in variable order.

    A mapping setting's field variables make one entry, so that an entry they create is
    checked once it has all its fields.
    """
    entries: list[Entry] = []
    fields: dict[str, list[tuple[str, tuple[str, str, object]]]] = {}
    for variable, raw in sorted(os.environ.items()):
        if not variable.startswith(ENV_PREFIX) or file_key(variable, table) is not None:
            continue
        key, _, rest = variable.removeprefix(ENV_PREFIX).partition(FIELD_SEPARATOR)
        entry, _, field = rest.partition(FIELD_SEPARATOR)
        setting = table.get(key)
        if setting is not None and setting.kind is dict and entry and field:
            fields.setdefault(key, []).append(
                (variable, (entry.lower(), field.lower(), _parsed(raw)))
            )
        else:
            entries.append((variable, variable.removeprefix(ENV_PREFIX), value_of(setting, raw)))
    for key, named in fields.items():
        variables = ", ".join(variable for variable, _ in named)
        entries.append((variables, key, FieldOverride(tuple(field for _, field in named))))
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
