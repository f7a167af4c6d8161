"""`make spec`: rewrite openapi.json, the snapshot of the API that the tests compare.

The test suite fails when the served OpenAPI document differs from the snapshot, so that every
change to the API is seen in review. Run this when the change is meant, and commit both.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.project import ScriptError, argument_parser, run_python

SNAPSHOT = "openapi.json"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the snapshot from the app, or say why it cannot."""
    parser = argument_parser(__doc__)
    arguments = parser.parse_args(argv)
    try:
        write_spec(arguments.root)
    except ScriptError as error:
        print(f"make spec: {error}", file=sys.stderr)
        return 1
    print(f"wrote {SNAPSHOT}; `git diff {SNAPSHOT}` shows how the API changed")
    return 0


def write_spec(root: Path) -> Path:
    """Write the app's OpenAPI document to the snapshot file in `root`."""
    target = root / SNAPSHOT
    written = run_python(root, "-m", "quart", "schema", "--output", str(target))
    if written.returncode != 0:
        raise ScriptError(f"the app could not describe itself:\n{written.stderr.strip()}")
    return target


if __name__ == "__main__":
    sys.exit(main())
