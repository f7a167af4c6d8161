"""The one reader of configuration files, and the one did-you-mean for the names found in them.

A file is found the same way wherever one is read: the file an environment variable names, else
a default name in the working directory if it is there. A YAML file's keys keep their line
numbers, so that a mistake can be pointed at.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path

import yaml

from ..identity import StartupError

# One value from one layer: where it came from (for messages), its key and its raw value.
Entry = tuple[str, object, object]


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


def yaml_entries(path: Path, text: str) -> list[Entry]:
    """The top-level keys of a YAML mapping, each with its line; StartupError if it is not one."""
    try:
        return _mapping_entries(path, text)
    except yaml.YAMLError as error:
        raise StartupError(_yaml_problem(path, error)) from None


def _mapping_entries(path: Path, text: str) -> list[Entry]:
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


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to `name`, as a hint such as "did you mean DEBUG?", or None."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"did you mean {close[0]}?" if close else None
