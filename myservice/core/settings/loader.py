"""Settings: defaults < settings file < <SERVICE>_* environment < *_FILE files < overrides.

The table of what may be set (the skeleton's and the service's, settings_table.py) is loaded,
validated and shown the same way for both. Every value is validated once, at start-up: a
mistake raises StartupError with one line that names where the value came from (file and line,
or variable), the key and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..identity import StartupError
from .environment import environment_entries, value_of
from .fields import FieldOverride, FieldPath
from .files import Entry, did_you_mean, read_config_file, yaml_entries
from .secret_files import file_entries, from_a_file, read_from_a_file
from .setting import Setting, as_yaml

SETTINGS_FILE_VARIABLE = "QUART_SETTINGS"
DEFAULT_SETTINGS_FILE = "settings.yml"


@dataclass(frozen=True)
class Settings:
    """The validated values, for each key the layer it came from, and what `make config` masks.

    `from_files` holds, for a key whose value came from files in whole or part, the paths of the
    fields read from them; () for the whole value.
    """

    values: dict[str, object]
    origins: dict[str, str]
    from_files: dict[str, set[FieldPath]] = field(default_factory=dict)


def load_settings(
    table: Mapping[str, Setting], overrides: Mapping[str, object] | None = None
) -> Settings:
    """Merge and validate every layer, lowest first; raise StartupError on the first mistake.

    `table` names every setting there is; `overrides` is the top layer (create_app's).
    """
    values: dict[str, object] = {key: setting.default for key, setting in table.items()}
    origins = dict.fromkeys(table, "default")
    from_files: dict[str, set[FieldPath]] = {}
    layers = (
        _file_entries(),
        environment_entries(table),
        file_entries(table, value_of),
        [("create_app() overrides", key, value) for key, value in (overrides or {}).items()],
    )
    entries = [entry for layer in layers for entry in layer]
    # A mapping that later layers complete field by field (the entry in a settings file, its
    # client secret from a file) is checked once the last of them is applied: each layer
    # alone may hold an entry half made.
    pending: dict[str, list[str]] = {}
    for index, (origin, key, given) in enumerate(entries):
        name = _known_key(table, origin, key)
        value: object
        if isinstance(given, FieldOverride):
            value = given.applied_to(values[name])
            if given.from_files:
                from_files.setdefault(name, set()).update(given.paths)
        else:
            value = given
            from_files.pop(name, None)
            if from_a_file(origin):
                from_files[name] = {()}
        if _fields_later(entries[index + 1 :], name) and _fits(table[name], value):
            values[name] = value
            pending.setdefault(name, []).append(origin)
            continue
        origin = ", ".join([*pending.pop(name, []), origin])  # noqa: PLW2901 (all of them)
        values[name] = _validated(table[name], origin, name, value)
        origins[name] = origin
    return Settings(values, origins, from_files)


def _fields_later(entries: list[Entry], key: str) -> bool:
    """Whether a later entry sets fields of `key` too."""
    return any(later == key and isinstance(given, FieldOverride) for _, later, given in entries)


def _file_entries() -> list[Entry]:
    found = read_config_file(SETTINGS_FILE_VARIABLE, DEFAULT_SETTINGS_FILE)
    if found is None:
        return []
    return yaml_entries(*found)


def _known_key(table: Mapping[str, Setting], origin: str, key: object) -> str:
    if isinstance(key, str) and key in table:
        return key
    hint = did_you_mean(str(key).upper(), table) or f"known settings are {', '.join(table)}"
    raise StartupError(f"{origin}: unknown setting {as_yaml(key)}; {hint}")


def _validated(setting: Setting, origin: str, key: str, value: object) -> object:
    if not _fits(setting, value):
        # What a file holds may be a secret: it is not repeated.
        given = "what the file holds" if read_from_a_file(origin) else as_yaml(value)
        raise StartupError(f"{origin}: {key} must be {_expected(setting)}, not {given}")
    if setting.check is None or value is None:
        return value
    try:
        return setting.check(value)
    except ValueError as error:
        raise StartupError(f"{origin}: {key} {error}") from None


def _fits(setting: Setting, value: object) -> bool:
    if value is None:
        return setting.nullable
    # bool is a subclass of int in Python, but true is not a number in YAML or JSON.
    if isinstance(value, bool) != (setting.kind is bool) or not isinstance(value, setting.kind):
        return False
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    if isinstance(value, dict):
        return all(isinstance(name, str) for name in value)
    if setting.choices:
        return value in setting.choices
    return setting.minimum is None or (isinstance(value, int) and value >= setting.minimum)


def _expected(setting: Setting) -> str:
    if setting.kind is bool:
        expected = "true or false"
    elif setting.kind is int:
        expected = "a whole number"
        if setting.minimum is not None:
            expected += f" of at least {setting.minimum}"
    elif setting.kind is list:
        expected = "a list of strings"
    elif setting.kind is dict:
        expected = "a mapping of names"
    elif setting.choices:
        expected = "one of " + ", ".join(setting.choices)
    else:
        expected = "a string (quote it if it looks like a number)"
    return f"{expected} or null" if setting.nullable else expected
