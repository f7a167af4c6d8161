"""`make compat`: fail on a change of openapi.json or asyncapi.json that breaks a caller.

The snapshots are compared with those of a git ref: the newest release tag (`git describe
--tags`), or REF. Breaking, for a client of the API: an operation removed; a parameter or a
request field newly required, or a request field, type or enum value no longer accepted; a
response field removed, no longer always there, or of another type, or an enum value it may
now hold. For a consumer of the events: a topic removed, or a field of its message removed or
changed as for a response. Additions pass: a new operation, an optional field, a new topic.
"""

from __future__ import annotations

import json
import subprocess  # nosec B404  # git, for the snapshots of a ref
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scripts.project import ScriptError, argument_parser

SNAPSHOTS = ("openapi.json", "asyncapi.json")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
Schema = dict[str, Any]


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
        new = json.loads((root / name).read_text(encoding="utf-8"))
        comparison = Comparison(old, new)
        breaking += list(comparison.api() if name == "openapi.json" else comparison.events())
    return breaking


class Comparison:
    """Two versions of one contract, each schema read in its own document (for its $refs)."""

    def __init__(self, old: Schema, new: Schema) -> None:
        """Compare `old` with `new`."""
        self.old, self.new = old, new

    def api(self) -> Iterator[str]:
        """What breaks a client of the API, operation by operation."""
        for path, operations in self.old.get("paths", {}).items():
            for method in METHODS:
                if method in operations:
                    now = self.new.get("paths", {}).get(path, {}).get(method)
                    yield from self._operation(f"{method.upper()} {path}", operations[method], now)

    def events(self) -> Iterator[str]:
        """What breaks a consumer of the events: a topic gone, or its message changed."""
        addresses = {channel.get("address") for channel in self.new.get("channels", {}).values()}
        for channel in self.old.get("channels", {}).values():
            if channel.get("address") not in addresses:
                yield f"topic {channel.get('address')}: removed"
        now_messages = self.new.get("components", {}).get("messages", {})
        for name, message in self.old.get("components", {}).get("messages", {}).items():
            if name in now_messages and "payload" in message:
                now = now_messages[name].get("payload", {})
                yield from self.schema(f"message {name}", message["payload"], now, sent=False)

    def schema(self, where: str, was: Schema, now: Schema, *, sent: bool) -> Iterator[str]:
        """What breaks between two schemas: `sent` by the client (a request) or received by it."""
        was, now = _resolved(was, self.old), _resolved(now, self.new)
        # What the client sends must still be taken; what it receives must be what it knew.
        before, after = (was, now) if sent else (now, was)
        verb = "no longer takes" if sent else "may now be"
        kinds_before, kinds_after = _types(before), _types(after)
        if kinds_before and kinds_after and kinds_before - kinds_after:
            yield f"{where}: {verb} {', '.join(sorted(kinds_before - kinds_after))}"
        if "enum" in before and "enum" in after:
            values = [value for value in before["enum"] if value not in after["enum"]]
            if values:
                yield f"{where}: {verb} {', '.join(map(json.dumps, values))}"
        yield from self._fields(where, was, now, sent=sent)
        if "items" in was and "items" in now:
            yield from self.schema(f"{where}[]", was["items"], now["items"], sent=sent)

    def _operation(self, name: str, was: Schema, now: Schema | None) -> Iterator[str]:
        if now is None:
            yield f"{name}: removed"
            return
        yield from self._parameters(name, was, now)
        was_body, now_body = (
            _json_schema(was.get("requestBody")),
            _json_schema(now.get("requestBody")),
        )
        if was_body is not None and now_body is not None:
            yield from self.schema(f"{name} body", was_body, now_body, sent=True)
        for status, answer in was.get("responses", {}).items():
            was_schema = _json_schema(answer)
            now_schema = _json_schema(now.get("responses", {}).get(status))
            if was_schema is not None and now_schema is not None:
                yield from self.schema(f"{name} {status}", was_schema, now_schema, sent=False)

    def _fields(self, where: str, was: Schema, now: Schema, *, sent: bool) -> Iterator[str]:
        was, now = _object_of(was, self.old), _object_of(now, self.new)
        was_fields, now_fields = was.get("properties", {}), now.get("properties", {})
        was_required, now_required = set(was.get("required", [])), set(now.get("required", []))
        # A request field gone breaks only a server that refuses fields it does not know.
        closed = now.get("additionalProperties") is False
        for field, schema in was_fields.items():
            if field not in now_fields:
                if not sent or closed:
                    yield f"{where}: field {field} removed"
                continue
            yield from self.schema(f"{where}.{field}", schema, now_fields[field], sent=sent)
        if sent:
            for field in sorted(now_required - was_required):
                yield f"{where}: field {field} now required"
        else:
            for field in sorted((was_required & set(now_fields)) - now_required):
                yield f"{where}: field {field} no longer always there"

    def _parameters(self, name: str, was: Schema, now: Schema) -> Iterator[str]:
        before = {(p.get("in"), p.get("name")): p for p in was.get("parameters", [])}
        for parameter in now.get("parameters", []):
            key = (parameter.get("in"), parameter.get("name"))
            where = f"{name} {key[0]} parameter {key[1]}"
            if key not in before:
                if parameter.get("required"):
                    yield f"{where}: new and required"
                continue
            if parameter.get("required") and not before[key].get("required"):
                yield f"{where}: now required"
            if "schema" in parameter and "schema" in before[key]:
                yield from self.schema(where, before[key]["schema"], parameter["schema"], sent=True)


def _json_schema(holder: Schema | None) -> Schema | None:
    if not holder:
        return None
    schema: Schema | None = holder.get("content", {}).get("application/json", {}).get("schema")
    return schema


def _resolved(schema: Schema, document: Schema) -> Schema:
    """`schema`, or what its $ref points to in `document`."""
    seen = 0
    while "$ref" in schema and seen < 32:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        schema, seen = node, seen + 1
    return schema


def _object_of(schema: Schema, document: Schema) -> Schema:
    """The object branch of a schema that may be null (anyOf [object, null]), or the schema."""
    for branch in schema.get("anyOf", []):
        resolved = _resolved(branch, document)
        if resolved.get("type") == "object" or "properties" in resolved:
            return resolved
    return schema


def _types(schema: Schema) -> set[str]:
    """The JSON types a schema admits, as far as `type` and anyOf say; empty if it does not say."""
    if "type" in schema:
        kind = schema["type"]
        return set(kind) if isinstance(kind, list) else {kind}
    kinds: set[str] = set()
    for branch in schema.get("anyOf", []):
        if "type" not in branch:
            return set()
        kinds |= _types(branch)
    return kinds


def newest_tag(root: Path) -> str | None:
    """The newest tag reachable from HEAD, or None where there is none."""
    found = _git(root, "describe", "--tags", "--abbrev=0")
    return found.stdout.strip() if found.returncode == 0 else None


def at_ref(root: Path, ref: str, name: str) -> Schema | None:
    """The snapshot `name` as `ref` had it; None if it had none; ScriptError if no such ref."""
    if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise ScriptError(f"{ref} is no commit, branch or tag of this repository")
    shown = _git(root, "show", f"{ref}:{name}")
    if shown.returncode != 0:
        return None
    document: Schema = json.loads(shown.stdout)
    return document


def _git(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # nosec B603  # git, with the script's arguments
        ["git", *arguments],  # nosec B607
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


if __name__ == "__main__":
    sys.exit(main())
