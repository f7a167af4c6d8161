"""`make spec`: rewrite openapi.json and asyncapi.json, the snapshots the tests compare.

The test suite fails when the served OpenAPI document, or the AsyncAPI document of the events,
differs from its snapshot, so that every change of contract is seen in review. Run this when
the change is meant, and commit them with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.project import ScriptError, argument_parser, run_python

SNAPSHOT = "openapi.json"
EVENTS_SNAPSHOT = "asyncapi.json"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the snapshot from the app, or say why it cannot."""
    parser = argument_parser(__doc__)
    arguments = parser.parse_args(argv)
    try:
        write_spec(arguments.root)
    except ScriptError as error:
        print(f"make spec: {error}", file=sys.stderr)
        return 1
    print(f"wrote {SNAPSHOT} and {EVENTS_SNAPSHOT}; `git diff` shows how the contracts changed")
    return 0


def write_spec(root: Path) -> list[Path]:
    """Write the app's OpenAPI and AsyncAPI documents to their snapshots in `root`."""
    for command, snapshot in (("openapi", SNAPSHOT), ("asyncapi", EVENTS_SNAPSHOT)):
        written = run_python(root, "-m", "quart", command, "--output", str(root / snapshot))
        if written.returncode != 0:
            raise ScriptError(f"the app could not describe itself:\n{written.stderr.strip()}")
    return [root / SNAPSHOT, root / EVENTS_SNAPSHOT]


if __name__ == "__main__":
    sys.exit(main())
