"""Fields of a mapping setting set one at a time: <SERVICE>_DOWNSTREAMS__BILLING__URL.

The environment and the files layers both set fields of DOWNSTREAMS' entries this way, so that a
deployment changes one downstream's URL, or gives its client secret from a file, without
restating the rest of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..identity import ENV_PREFIX

if TYPE_CHECKING:
    from .setting import Setting

# <KEY>__<ENTRY>__<FIELD>[__<FIELD>...]
FIELD_SEPARATOR = "__"
# The path of a field in a mapping setting: the entry's name, then the fields down to it.
FieldPath = tuple[str, ...]


@dataclass(frozen=True)
class FieldOverride:
    """The fields of entries of a mapping setting that variables set, all applied at once.

    `from_files`: the values came from files, and `make config` masks them.
    """

    fields: tuple[tuple[FieldPath, object], ...]
    from_files: bool = False

    @property
    def paths(self) -> list[FieldPath]:
        """The paths of the fields set."""
        return [path for path, _ in self.fields]

    def applied_to(self, mapping: object) -> dict[str, object]:
        """`mapping` with the fields set, the rest of it and of its entries as they were."""
        entries = dict(mapping) if isinstance(mapping, dict) else {}
        for path, value in self.fields:
            entries = _with(entries, path, value)
        return entries


def field_path(variable: str, table: Mapping[str, Setting]) -> tuple[str, FieldPath] | None:
    """The key and field path <PREFIX>KEY__ENTRY__FIELD... names, KEY a mapping setting."""
    key, *path = variable.removeprefix(ENV_PREFIX).split(FIELD_SEPARATOR)
    setting = table.get(key)
    if setting is None or setting.kind is not dict or len(path) < 2 or not all(path):
        return None
    return key, tuple(part.lower() for part in path)


def _with(mapping: object, path: FieldPath, value: object) -> dict[str, object]:
    """A copy of `mapping` (a new one if it is none) with the field at `path` set to `value`."""
    copied = dict(mapping) if isinstance(mapping, dict) else {}
    first, *rest = path
    copied[first] = _with(copied.get(first), tuple(rest), value) if rest else value
    return copied
