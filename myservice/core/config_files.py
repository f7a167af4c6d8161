"""The one reader of configuration files, and the one did-you-mean for the names found in them.

Both the settings file (YAML) and the server's file (TOML) are found the same way: the file an
environment variable names, else a default name in the working directory if it is there.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path

from .startup import StartupError


def read_config_file(variable: str, default: str) -> tuple[Path, str] | None:
    """The path and text of the file `variable` names, else of `default` if it exists, else None.

    A named file that is missing, unreadable or not UTF-8 raises StartupError saying which.
    """
    named = os.environ.get(variable)
    path = Path(named or default)
    if not named and not path.exists():
        return None
    try:
        return path, path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise StartupError(f"{variable} names {path}, which does not exist") from None
    except OSError as error:
        raise StartupError(f"{path}: cannot read it: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise StartupError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to `name`, as a hint such as "did you mean DEBUG?", or None."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]}?" if close else None
