"""What `make view`, `make consumer` and `make schedule` share: new files from templates, or none."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from scripts.project import ScriptError, format_files, undone_on_failure, write_templates
from scripts.spec import write_spec


def announce(command: str, root: Path, write: Callable[[], list[Path]], then: str) -> int:
    """Run `write`; print each file it wrote, then `then`; or why not, on standard error."""
    try:
        written = write()
    except ScriptError as error:
        print(f"make {command}: {error}; nothing written", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(root)}")
    print(then)
    return 0


def write_new_files(
    root: Path, targets: Mapping[str, Path], fields: Mapping[str, str]
) -> list[Path]:
    """Write each template of `targets` to its path, none of which may exist, then the contracts.

    The files are laid out by the formatter; a failure removes what was written.
    """
    for target in targets.values():
        if target.exists():
            raise ScriptError(f"{target.relative_to(root)} exists already")
    written: list[Path] = []
    with undone_on_failure(written):
        write_templates(targets, fields, written)
        format_files(root, written)
        written.extend(write_spec(root))
    return written
