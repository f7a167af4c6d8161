"""`quart config` (`make config`): the settings in force and the layer each came from.

Values of settings whose names say they are secret, and every value read from a file
(secret_files.py), are masked, so that the output can be pasted into a ticket.
"""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit, urlunsplit

import click
from quart import Quart
from quart.cli import ScriptInfo, pass_script_info

from .fields import FieldPath
from .loader import Settings
from .setting import as_yaml

EXTENSION_KEY = __name__
SECRET_WORDS = ("KEY", "PASSWORD", "SECRET", "TOKEN")
# How a field of a mapping setting that holds a secret is named: client_secret.
SECRET_FIELDS = ("secret", "password")
MASK = '"********"'


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
        (key, shown(key, value, settings.from_files.get(key, set())), settings.origins[key])
        for key, value in settings.values.items()
    ]
    widths = [max(len(row[column]) for row in rows) for column in (0, 1)]
    for key, value, origin in rows:
        click.echo(f"{key:<{widths[0]}}  {value:<{widths[1]}}  {origin}")


def shown(key: str, value: object, from_files: Collection[FieldPath] = ()) -> str:
    """The value as `make config` prints it: text masked when the key names a secret.

    So is what came from files (`from_files`, the paths of the fields read from them, () for
    the whole value), and a field of a mapping named as a secret (DOWNSTREAMS' client_secret).
    A URL's password is masked whatever the key, inside lists and mappings too:
    `postgresql://app:***@db/app`.
    """
    if () in from_files or (isinstance(value, str) and any(word in key for word in SECRET_WORDS)):
        return MASK
    return as_yaml(_masked(value, (), from_files))


def _masked(value: object, path: FieldPath, from_files: Collection[FieldPath]) -> object:
    if path in from_files or (path and path[-1].endswith(SECRET_FIELDS)):
        return MASK.strip('"')
    if isinstance(value, str):
        return without_password(value)
    if isinstance(value, list):
        return [_masked(item, path, from_files) for item in value]
    if isinstance(value, dict):
        return {name: _masked(item, (*path, name), from_files) for name, item in value.items()}
    return value


def without_password(text: str) -> str:
    """`text` with the password of a URL in it written ***; other text as it is."""
    try:
        parts = urlsplit(text)
        password = parts.password
    except ValueError:
        return text
    if not password:
        return text
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
