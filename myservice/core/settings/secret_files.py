"""The files layer of the settings: <SERVICE>_<KEY>_FILE names a file that holds KEY's value.

Docker and Kubernetes mount secrets as files, which, unlike environment variables, do not show
in /proc/<pid>/environ or `kubectl describe`. The value is the file's text with its final line
break left out (as `echo secret > file` writes it), read as an environment variable's value
is. The layer sits above the environment and below create_app()'s overrides; `make config`
names the file and masks the value whatever the key. A file that cannot be read stops the start
with one line naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..identity import ENV_PREFIX, StartupError

if TYPE_CHECKING:
    from .files import Entry
    from .setting import Setting

SUFFIX = "_FILE"
# How the layer names itself in an origin, which `make config` masks the value of.
ORIGIN = "file {path} ({variable})"


def file_key(variable: str, table: Mapping[str, Setting]) -> str | None:
    """The setting a variable names the file of, or None: <PREFIX>KEY_FILE, KEY a setting."""
    if not variable.startswith(ENV_PREFIX) or not variable.endswith(SUFFIX):
        return None
    name = variable.removeprefix(ENV_PREFIX)
    key = name.removesuffix(SUFFIX)
    return key if key in table and name not in table else None


def file_entries(
    table: Mapping[str, Setting], parse: Callable[[Setting, str], object]
) -> list[Entry]:
    """The settings read from files, as (origin, key, value), in variable order."""
    entries: list[Entry] = []
    for variable, path in sorted(os.environ.items()):
        key = file_key(variable, table)
        if key is None:
            continue
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise StartupError(f"{variable}: cannot read {path!r}: {reason}") from None
        value = parse(table[key], text.removesuffix("\n").removesuffix("\r"))
        entries.append((ORIGIN.format(path=path, variable=variable), key, value))
    return entries


def from_a_file(origin: str) -> bool:
    """Whether a setting's origin is this layer, whose values `make config` always masks."""
    return origin.startswith("file ") and origin.endswith(f"{SUFFIX})")
