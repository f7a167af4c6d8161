"""Hypercorn's configuration under `make serve`: hypercorn.toml, then HOST, PORT and WORKERS.

The file holds Hypercorn's own knobs (keep-alive, limits, headers). What the supervisor decides
itself is refused there with a pointer to where it is set, and so is any key Hypercorn does not
know, which Hypercorn alone would ignore without a word.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from importlib.util import find_spec
from pathlib import Path
from typing import cast

from hypercorn.config import Config

from ..config_files import did_you_mean, read_config_file
from ..startup import StartupError

CONFIG_FILE_VARIABLE = "HYPERCORN_CONFIG"
DEFAULT_CONFIG_FILE = "hypercorn.toml"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
HIGHEST_PORT = 65535

# Keys the supervisor sets itself, and where to set them instead.
DECIDED_BY_SERVE = {
    "accesslog": "the service logs each request itself (LOG_LEVEL)",
    "application_path": "`make serve` always serves this service's create_app",
    "bind": "set HOST and PORT in the environment",
    "graceful_timeout": "use the GRACEFUL_TIMEOUT setting",
    "insecure_bind": "set HOST and PORT in the environment",
    "max_requests": "a worker that exits stops the service",
    "use_reloader": "use `make run` to reload on changes",
    "worker_class": "uvloop is used where it is installed, else asyncio",
    "workers": "set WORKERS in the environment",
}


def server_config(settings: Mapping[str, object]) -> Config:
    """Build Hypercorn's Config; raise StartupError naming the file or variable at fault."""
    config = Config.from_mapping(_file_values())
    host = os.environ.get("HOST") or DEFAULT_HOST
    port = _whole_number("PORT", DEFAULT_PORT, 0, HIGHEST_PORT)
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.workers = _whole_number("WORKERS", 1, 1, None)
    config.graceful_timeout = float(cast(int, settings["GRACEFUL_TIMEOUT"]))
    config.worker_class = "uvloop" if find_spec("uvloop") else "asyncio"
    config.accesslog = None
    # A Logger rather than "-": Hypercorn's lines then go through the service's log handler.
    config.errorlog = logging.getLogger("hypercorn.error")
    return config


def _file_values() -> dict[str, object]:
    found = read_config_file(CONFIG_FILE_VARIABLE, DEFAULT_CONFIG_FILE)
    if found is None:
        return {}
    path, text = found
    try:
        values: dict[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise StartupError(f"{path}: not valid TOML: {error}") from None
    for key, value in values.items():
        _check(path, key, value)
    return values


def _check(path: Path, key: str, value: object) -> None:
    if key in DECIDED_BY_SERVE:
        raise StartupError(f"{path}: {key} is not set here: {DECIDED_BY_SERVE[key]}")
    known = [name for name in dir(Config) if not name.startswith("_") and _is_setting(name)]
    if key not in known:
        hint = did_you_mean(key, known)
        raise StartupError(f"{path}: {key} is not a Hypercorn setting{'; ' + hint if hint else ''}")
    default = getattr(Config, key)
    numeric = isinstance(default, int | float) and not isinstance(default, bool)
    if numeric and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise StartupError(f"{path}: {key} must be a number, not {value!r}")
    if isinstance(default, bool | str) and not isinstance(value, type(default)):
        raise StartupError(f"{path}: {key} must be a {type(default).__name__}, not {value!r}")


def _is_setting(name: str) -> bool:
    return not callable(getattr(Config, name))


def _whole_number(variable: str, default: int, lowest: int, highest: int | None) -> int:
    raw = os.environ.get(variable)
    if not raw:
        return default
    within = f"from {lowest} to {highest}" if highest is not None else f"of at least {lowest}"
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < lowest or (highest is not None and value > highest):
        raise StartupError(f"{variable} must be a whole number {within}, not {raw!r}")
    return value
