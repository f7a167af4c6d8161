"""The files layer of the settings: <SERVICE>_<KEY>_FILE names a file that holds KEY's value.

Docker and Kubernetes mount secrets as files, which, unlike environment variables, do not show
in /proc/<pid>/environ or `kubectl describe`. The value is the file's text with its final line
break left out (as `echo secret > file` writes it), read as an environment variable's value
is. A field of a mapping setting can come from a file too:
<SERVICE>_DOWNSTREAMS__BILLING__AUTH__CLIENT_SECRET_FILE. The layer sits above the environment
and below create_app()'s overrides; `make config` names the file and masks what it gave
whatever the key. A file that cannot be read stops the start with one line naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..identity import ENV_PREFIX, StartupError
from .fields import FieldOverride, FieldPath, field_path

if TYPE_CHECKING:
    from .files import Entry
    from .setting import Setting

SUFFIX = "_FILE"
# How the layer names itself in an origin, which `make config` masks the value of.
ORIGIN = "file {path} ({variable})"


def file_target(variable: str, table: Mapping[str, Setting]) -> tuple[str, FieldPath] | None:
    """What a variable names the file of: a setting, with () or the path of one of its fields.

    <PREFIX>KEY_FILE names KEY's, <PREFIX>KEY__ENTRY__FIELD_FILE a field's of a mapping setting;
    None for any other variable, or a setting whose own name ends in _FILE.
    """
    if not variable.startswith(ENV_PREFIX) or not variable.endswith(SUFFIX):
        return None
    name = variable.removeprefix(ENV_PREFIX)
    if name in table:
        return None
    key = name.removesuffix(SUFFIX)
    if key in table:
        return key, ()
    return field_path(variable.removesuffix(SUFFIX), table)


def file_entries(
    table: Mapping[str, Setting], parse: Callable[[Setting, str], object]
) -> list[Entry]:
    """The settings read from files, as (origin, key, value), in variable order.

    A field's value is a FieldOverride marked secret, for `make config` to mask that field.
    """
    entries: list[Entry] = []
    for variable, path in sorted(os.environ.items()):
        target = file_target(variable, table)
        if target is None:
            continue
        key, field = target
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise StartupError(f"{variable}: cannot read {path!r}: {reason}") from None
        text = text.removesuffix("\n").removesuffix("\r")
        origin = ORIGIN.format(path=path, variable=variable)
        if field:
            # Text, as a secret is: a field takes no JSON from a file.
            entries.append((origin, key, FieldOverride(((field, text),), from_files=True)))
        else:
            entries.append((origin, key, parse(table[key], text)))
    return entries


def from_a_file(origin: str) -> bool:
    """Whether a setting's origin is this layer, whose values `make config` always masks."""
    return origin.startswith("file ") and origin.endswith(f"{SUFFIX})")


def read_from_a_file(origins: str) -> bool:
    """Whether any of the origins a value was put together from is this layer."""
    return f"{SUFFIX})" in origins
