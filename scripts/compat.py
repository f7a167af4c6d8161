"""`make compat`: fail on a change of openapi.json or asyncapi.json that breaks a caller.

The snapshots are compared with those of a git ref: the newest release tag (v1.2.0, ...), or
REF. What breaks is contract_changes.py's; additions pass: a new operation, an optional
field, a new topic.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scripts.contract_changes import Comparison, Schema
from scripts.project import ScriptError, argument_parser, git

SNAPSHOTS = ("openapi.json", "asyncapi.json")


def main(argv: list[str] | None = None) -> int:
    """Compare, print each breaking change, and fail if there is one."""
    parser = argument_parser(__doc__)
    parser.add_argument("--ref", default="", help="the git ref to compare with (a release tag)")
    arguments = parser.parse_args(argv)
    try:
        ref = arguments.ref or newest_tag(arguments.root)
        if ref is None:
            print("make compat: no release tag yet, nothing to compare with (give REF=<ref>)")
            return 0
        breaking = compare(arguments.root, ref)
    except ScriptError as error:
        print(f"make compat: {error}", file=sys.stderr)
        return 1
    for change in breaking:
        print(f"breaking: {change}")
    if breaking:
        print(f"make compat: {len(breaking)} breaking change(s) since {ref}", file=sys.stderr)
        return 1
    print(f"make compat: nothing breaks a caller since {ref}")
    return 0


def compare(root: Path, ref: str) -> list[str]:
    """The breaking changes of the snapshots in `root` since those of `ref`."""
    breaking = []
    for name in SNAPSHOTS:
        old = at_ref(root, ref, name)
        if old is None:
            continue  # the ref had no such contract: everything in it is new
        try:
            new = json.loads((root / name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ScriptError(f"{name} cannot be read ({error}): run make spec") from None
        comparison = Comparison(old, new)
        breaking += list(comparison.api() if name == "openapi.json" else comparison.events())
    return breaking


def newest_tag(root: Path) -> str | None:
    """The newest release tag (v1.2.0, ...) reachable from HEAD, or None where there is none."""
    found = git(root, "describe", "--tags", "--abbrev=0", "--match", "v[0-9]*")
    return found.stdout.strip() if found.returncode == 0 else None


def at_ref(root: Path, ref: str, name: str) -> Schema | None:
    """The snapshot `name` as `ref` had it; None if it had none; ScriptError if no such ref."""
    if git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise ScriptError(f"{ref} is no commit, branch or tag of this repository")
    shown = git(root, "show", f"{ref}:{name}")
    if shown.returncode != 0:
        return None
    document: Schema = json.loads(shown.stdout)
    return document


if __name__ == "__main__":
    sys.exit(main())
