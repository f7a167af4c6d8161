"""What breaks a caller between two versions of a contract, OpenAPI or AsyncAPI.

Read as quart-schema and the events' generator write them. For a client of the API: an
operation removed (paths matched whatever their parameters are called); a parameter or a body
newly required; a body field, type or enum value no longer taken; a success answer removed; an
answer's field removed, no longer always there, of another type, or with a value it could not
have before. For a consumer of the events: a topic removed, or a field of its message changed
as for an answer. $refs are followed, anyOf and oneOf read as the types they allow, and a model
that holds itself compared once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
Schema = dict[str, Any]


class Comparison:
    """Two versions of one contract, each schema read in its own document (for its $refs)."""

    def __init__(self, old: Schema, new: Schema) -> None:
        """Compare `old` with `new`."""
        self.old, self.new = old, new
        # The pairs of schemas being compared, by their $refs: a model that holds itself ends.
        self._comparing: set[tuple[str, str]] = set()

    def api(self) -> Iterator[str]:
        """What breaks a client of the API, operation by operation.

        Paths are matched whatever their parameters are called: /a/{id} is /a/{a_id}.
        """
        now_paths = {_template(path): item for path, item in self.new.get("paths", {}).items()}
        for path, operations in self.old.get("paths", {}).items():
            for method in METHODS:
                if method in operations:
                    now = now_paths.get(_template(path), {}).get(method)
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
        pair = (str(was.get("$ref", id(was))), str(now.get("$ref", id(now))))
        if pair in self._comparing:
            return
        self._comparing.add(pair)
        try:
            yield from self._compared(where, was, now, sent=sent)
        finally:
            self._comparing.discard(pair)

    def _compared(self, where: str, was: Schema, now: Schema, *, sent: bool) -> Iterator[str]:
        was, now = _resolved(was, self.old), _resolved(now, self.new)
        # What the client sends must still be taken; what it receives must be what it knew.
        before, after = (was, now) if sent else (now, was)
        verb = "no longer takes" if sent else "may now be"
        document_before, document_after = (self.old, self.new) if sent else (self.new, self.old)
        kinds_before, kinds_after = _types(before, document_before), _types(after, document_after)
        if kinds_before and kinds_after and kinds_before - kinds_after:
            yield f"{where}: {verb} {', '.join(sorted(kinds_before - kinds_after))}"
        values_before, values_after = _values(before), _values(after)
        if values_after is not None and values_before is None:
            listed = ", ".join(map(json.dumps, values_after))
            yield f"{where}: {'now takes only' if sent else 'may now be other than'} {listed}"
        elif values_after is not None and values_before is not None:
            missing = [json.dumps(value) for value in values_before if value not in values_after]
            if missing:
                yield f"{where}: {verb} {', '.join(missing)}"
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
        elif was_body is None and now.get("requestBody", {}).get("required"):
            yield f"{name}: a body now required"
        for status, answer in was.get("responses", {}).items():
            now_answer = now.get("responses", {}).get(status)
            if now_answer is None and status.startswith("2"):
                yield f"{name}: answer {status} removed"
            was_schema, now_schema = _json_schema(answer), _json_schema(now_answer)
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
            if key[0] == "path":
                continue  # the path itself says: matched above
            if key not in before:
                if _required(parameter):
                    yield f"{where}: new and required"
                continue
            if _required(parameter) and not _required(before[key]):
                yield f"{where}: now required"
            if "schema" in parameter and "schema" in before[key]:
                yield from self.schema(where, before[key]["schema"], parameter["schema"], sent=True)


def _required(parameter: Schema) -> bool:
    """Whether a client must send the parameter: said so, or a query one with no default.

    quart-schema leaves `required` out of query parameters: a field with no default is one.
    """
    if parameter.get("required"):
        return True
    return parameter.get("in") == "query" and "default" not in parameter.get("schema", {})


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


def _types(schema: Schema, document: Schema) -> set[str]:
    """The JSON types a schema admits, as far as type, anyOf and oneOf say; empty if unsaid."""
    schema = _resolved(schema, document)
    if "type" in schema:
        kind = schema["type"]
        return set(kind) if isinstance(kind, list) else {kind}
    if "properties" in schema:
        return {"object"}
    kinds: set[str] = set()
    branches: list[Schema] = schema.get("anyOf") or schema.get("oneOf") or []
    for branch in branches:
        branch_kinds = _types(branch, document)
        if not branch_kinds:
            return set()
        kinds |= branch_kinds
    return kinds


def _values(schema: Schema) -> list[Any] | None:
    """The values a schema allows, where it lists them (enum, or const); None where it does not."""
    if "const" in schema:
        return [schema["const"]]
    values: list[Any] | None = schema.get("enum")
    return values


def _template(path: str) -> str:
    """A path with its parameters unnamed: /refunds/{} for /refunds/{refund_id}."""
    return re.sub(r"\{[^}]*\}", "{}", path)
