"""Settings: built-in defaults < settings file < MYSERVICE_* environment < create_app() overrides.

Every value is validated once, at start-up. A mistake raises StartupError with one line that
names where the value came from (file and line, or variable), the key and what was expected.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click
import yaml
from quart import Quart
from quart.cli import ScriptInfo, pass_script_info

from myservice.startup import StartupError

ENV_PREFIX = "MYSERVICE_"
SETTINGS_FILE_VARIABLE = "QUART_SETTINGS"
DEFAULT_SETTINGS_FILE = "settings.yml"
EXTENSION_KEY = "myservice.settings"
SECRET_WORDS = ("KEY", "PASSWORD", "SECRET", "TOKEN")


@dataclass(frozen=True)
class Setting:
    """What a setting must be: its type, whether null is allowed, its smallest value or choices."""

    default: bool | int | str | None
    kind: type[bool] | type[int] | type[str]
    minimum: int | None = None
    nullable: bool = False
    choices: tuple[str, ...] = ()


# Documented key by key in settings.yml; a test keeps the two in step.
SETTINGS: dict[str, Setting] = {
    "API_DOCS": Setting(True, bool),
    "BODY_TIMEOUT": Setting(30, int, minimum=1),
    "DEBUG": Setting(False, bool),
    "DRAIN_DELAY": Setting(5, int, minimum=0),
    "GRACEFUL_TIMEOUT": Setting(20, int, minimum=1),
    "LOG_FORMAT": Setting("auto", str, choices=("auto", "json", "console")),
    "LOG_LEVEL": Setting("INFO", str, choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    "MAX_CONTENT_LENGTH": Setting(1024 * 1024, int, minimum=1),
    "READINESS_TIMEOUT": Setting(2, int, minimum=1),
    "RESPONSE_TIMEOUT": Setting(60, int, minimum=1),
    "SECRET_KEY": Setting(None, str, nullable=True),
    "TESTING": Setting(False, bool),
}


@dataclass(frozen=True)
class Settings:
    """The validated values, and for each key the layer it came from."""

    values: dict[str, object]
    origins: dict[str, str]


# One value from one layer: where it came from (for messages), its key and its raw value.
Entry = tuple[str, object, object]


def load_settings(overrides: Mapping[str, object] | None = None) -> Settings:
    """Merge and validate every layer, lowest first; raise StartupError on the first mistake."""
    values: dict[str, object] = {key: setting.default for key, setting in SETTINGS.items()}
    origins = dict.fromkeys(SETTINGS, "default")
    layers = (
        _file_entries(),
        _environment_entries(),
        _override_entries(overrides or {}),
    )
    for layer in layers:
        for origin, key, value in layer:
            name = _known_key(origin, key)
            values[name] = _validated(origin, name, value)
            origins[name] = origin
    return Settings(values, origins)


def init_app(app: Quart, settings: Settings) -> None:
    """Apply the settings to the app and add the `config` command that reports them."""
    app.config.update(settings.values)
    app.extensions[EXTENSION_KEY] = settings
    app.cli.add_command(config_command)


@click.command("config")
@pass_script_info
def config_command(info: ScriptInfo) -> None:
    """Print the effective settings and the layer each one came from, secrets masked."""
    settings: Settings = info.load_app().extensions[EXTENSION_KEY]
    rows = [
        (key, _shown(key, value), settings.origins[key]) for key, value in settings.values.items()
    ]
    widths = [max(len(row[column]) for row in rows) for column in (0, 1)]
    for key, value, origin in rows:
        click.echo(f"{key:<{widths[0]}}  {value:<{widths[1]}}  {origin}")


def _shown(key: str, value: object) -> str:
    if value is not None and any(word in key for word in SECRET_WORDS):
        return '"********"'
    return _as_yaml(value)


def _file_entries() -> list[Entry]:
    named = os.environ.get(SETTINGS_FILE_VARIABLE)
    path = Path(named or DEFAULT_SETTINGS_FILE)
    if not named and not path.exists():
        return []
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise StartupError(f"{SETTINGS_FILE_VARIABLE} names {path}, which does not exist") from None
    except OSError as error:
        raise StartupError(f"{path}: cannot read it: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise StartupError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None
    try:
        return _yaml_entries(path, text)
    except yaml.YAMLError as error:
        raise StartupError(_yaml_problem(path, error)) from None


def _yaml_entries(path: Path, text: str) -> list[Entry]:
    loader = yaml.SafeLoader(text)
    try:
        document = loader.get_single_node()
        if document is None:
            return []
        if not isinstance(document, yaml.MappingNode):
            found = "a list" if isinstance(document, yaml.SequenceNode) else "a single value"
            raise StartupError(
                f"{path}: the top level must be a mapping of setting names to values, not {found}"
            )
        entries: list[Entry] = []
        first_lines: dict[object, int] = {}
        for key_node, value_node in document.value:
            line = key_node.start_mark.line + 1
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, str) and key in first_lines:
                raise StartupError(
                    f"{path}, line {line}: {key} is set twice (first on line {first_lines[key]})"
                )
            first_lines[key] = line
            entries.append(
                (f"{path}, line {line}", key, loader.construct_object(value_node, deep=True))
            )
        return entries
    finally:
        loader.dispose()


def _yaml_problem(path: Path, error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.reader.ReaderError):
        return f"{path}: not valid YAML: {error.reason} (at offset {error.position})"
    mark = getattr(error, "problem_mark", None)
    where = f"{path}, line {mark.line + 1}" if mark else str(path)
    problem = getattr(error, "problem", error)
    # A context such as "expected a single document" completes the problem; "while …" does not.
    context = getattr(error, "context", None)
    if context and not context.startswith("while "):
        problem = f"{context}, {problem}"
    return f"{where}: not valid YAML: {problem}"


def _environment_entries() -> list[Entry]:
    entries: list[Entry] = []
    for variable, raw in sorted(os.environ.items()):
        if variable.startswith(ENV_PREFIX):
            key = variable.removeprefix(ENV_PREFIX)
            entries.append((variable, key, _from_environment(key, raw)))
    return entries


def _from_environment(key: str, raw: str) -> object:
    """Read the value as JSON where it parses, else as the string itself (as Quart does)."""
    try:
        value: object = json.loads(raw)
    except ValueError:
        return raw
    setting = SETTINGS.get(key)
    # A string setting keeps its text as written: MYSERVICE_SECRET_KEY=1234 is "1234", not 1234.
    if setting is not None and setting.kind is str and not isinstance(value, str):
        return raw
    return value


def _override_entries(overrides: Mapping[str, object]) -> list[Entry]:
    return [("create_app() overrides", key, value) for key, value in overrides.items()]


def _known_key(origin: str, key: object) -> str:
    if isinstance(key, str) and key in SETTINGS:
        return key
    close = difflib.get_close_matches(str(key).upper(), SETTINGS, n=1)
    hint = f"did you mean {close[0]}?" if close else f"known settings are {', '.join(SETTINGS)}"
    raise StartupError(f"{origin}: unknown setting {_as_yaml(key)}; {hint}")


def _validated(origin: str, key: str, value: object) -> object:
    setting = SETTINGS[key]
    if not _fits(setting, value):
        raise StartupError(f"{origin}: {key} must be {_expected(setting)}, not {_as_yaml(value)}")
    return value


def _fits(setting: Setting, value: object) -> bool:
    if value is None:
        return setting.nullable
    # bool is a subclass of int in Python, but true is not a number in YAML or JSON.
    if isinstance(value, bool) != (setting.kind is bool) or not isinstance(value, setting.kind):
        return False
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
    elif setting.choices:
        expected = "one of " + ", ".join(setting.choices)
    else:
        expected = "a string (quote it if it looks like a number)"
    return f"{expected} or null" if setting.nullable else expected


def _as_yaml(value: object) -> str:
    return json.dumps(value, default=str)
