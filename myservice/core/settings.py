"""Settings: built-in defaults < settings file < <SERVICE>_* environment < create_app() overrides.

The skeleton's settings are the table below; a service adds its own in its settings.py, and both
are loaded, validated and shown the same way. Every value is validated once, at start-up: a
mistake raises StartupError with one line that names where the value came from (file and line,
or variable), the key and what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .client_address import trusted_proxies
from .config_files import Entry, did_you_mean, read_config_file, yaml_entries
from .cors import origins
from .database_url import DEFAULT_DATABASE_URL, database_url
from .downstreams import downstreams
from .environment import FieldOverride, environment_entries
from .startup import StartupError
from .throttling import MEMORY, rate_limit, storage_url
from .tokens import algorithms, jwks_url

SETTINGS_FILE_VARIABLE = "QUART_SETTINGS"
DEFAULT_SETTINGS_FILE = "settings.yml"


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


# The skeleton's settings, documented key by key in settings.yml; a test keeps the two in step.
CORE_SETTINGS: dict[str, Setting] = {
    "API_DOCS": Setting(True, bool),
    "AUTH_ALGORITHMS": Setting(["RS256", "ES256"], list, check=algorithms),
    "AUTH_AUDIENCE": Setting(None, str, nullable=True),
    "AUTH_DEVELOPMENT_KEY": Setting(False, bool),
    "AUTH_ISSUER": Setting(None, str, nullable=True),
    "AUTH_JWKS_COOLDOWN": Setting(30, int, minimum=1),
    "AUTH_JWKS_REFRESH": Setting(300, int, minimum=1),
    "AUTH_JWKS_URL": Setting(None, str, nullable=True, check=jwks_url),
    "AUTH_LEEWAY": Setting(30, int, minimum=0),
    "BODY_TIMEOUT": Setting(30, int, minimum=1),
    "CORS_ALLOW_CREDENTIALS": Setting(False, bool),
    "CORS_MAX_AGE": Setting(600, int, minimum=0),
    "CORS_ORIGINS": Setting([], list, check=origins),
    "DATABASE_POOL_SIZE": Setting(5, int, minimum=1),
    "DATABASE_POOL_TIMEOUT": Setting(5, int, minimum=1),
    "DATABASE_TIMEOUT": Setting(10, int, minimum=1),
    "DATABASE_URL": Setting(DEFAULT_DATABASE_URL, str, check=database_url),
    "DEBUG": Setting(False, bool),
    "DOWNSTREAMS": Setting({}, dict, check=downstreams),
    "DRAIN_DELAY": Setting(5, int, minimum=0),
    "GRACEFUL_TIMEOUT": Setting(20, int, minimum=1),
    "KEEP_ALIVE_TIMEOUT": Setting(75, int, minimum=1),
    "LISTEN_BACKLOG": Setting(1024, int, minimum=1),
    "LOG_FORMAT": Setting("auto", str, choices=("auto", "json", "console")),
    "LOG_LEVEL": Setting("INFO", str, choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    "MAX_CONTENT_LENGTH": Setting(1024 * 1024, int, minimum=1),
    "MAX_HEADER_SIZE": Setting(16 * 1024, int, minimum=1024),
    "MAX_IN_FLIGHT": Setting(512, int, minimum=1),
    "RATE_LIMIT": Setting(None, str, nullable=True, check=rate_limit),
    "RATE_LIMIT_STORAGE": Setting(MEMORY, str, check=storage_url),
    "READINESS_TIMEOUT": Setting(2, int, minimum=1),
    "RESPONSE_TIMEOUT": Setting(60, int, minimum=1),
    "SECRET_KEY": Setting(None, str, nullable=True),
    "TESTING": Setting(False, bool),
    "TRACING": Setting(False, bool),
    "TRUSTED_PROXIES": Setting([], list, check=trusted_proxies),
}


@dataclass(frozen=True)
class Settings:
    """The validated values, and for each key the layer it came from."""

    values: dict[str, object]
    origins: dict[str, str]


def load_settings(
    service_settings: Mapping[str, Setting], overrides: Mapping[str, object] | None = None
) -> Settings:
    """Merge and validate every layer, lowest first; raise StartupError on the first mistake.

    `service_settings` is the service's own table, beside the skeleton's.
    """
    table = settings_table(service_settings)
    values: dict[str, object] = {key: setting.default for key, setting in table.items()}
    origins = dict.fromkeys(table, "default")
    layers = (
        _file_entries(),
        environment_entries(table),
        [("create_app() overrides", key, value) for key, value in (overrides or {}).items()],
    )
    for layer in layers:
        for origin, key, given in layer:
            name = _known_key(table, origin, key)
            value = given.applied_to(values[name]) if isinstance(given, FieldOverride) else given
            values[name] = _validated(table[name], origin, name, value)
            origins[name] = origin
    return Settings(values, origins)


def settings_table(service_settings: Mapping[str, Setting]) -> dict[str, Setting]:
    """The skeleton's settings and the service's, in name order; a name may be defined once."""
    for key in service_settings:
        if key in CORE_SETTINGS:
            raise StartupError(f"the service's settings define {key}, a setting of the skeleton")
    return dict(sorted({**CORE_SETTINGS, **service_settings}.items()))


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
        raise StartupError(f"{origin}: {key} must be {_expected(setting)}, not {as_yaml(value)}")
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


def as_yaml(value: object) -> str:
    """A value as settings.yml would write it (JSON is YAML): for messages and `make config`."""
    return json.dumps(value, default=str)
