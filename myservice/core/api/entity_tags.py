"""The OpenAPI side of entity tags (http/conditional.py): headers, 304, 412 and 428 documented.

`@entity_tags` on a view that answers with tagged() or calls require_match() says so in the
document: its reads take If-None-Match and may answer 304, its changes of an item (PATCH, PUT,
DELETE) take If-Match and may answer 412 (and 428 when REQUIRE_IF_MATCH is on), and each success
carries an ETag, a creation's (POST) included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..http.conditional import READS
from ..http.routes import View

ATTRIBUTE = "documented_entity_tags"
# 400: a header that is not a list of entity tags.
READ_PROBLEMS, WRITE_PROBLEMS = {400}, {400, 412, 428}
CHANGES = frozenset({"PATCH", "PUT", "DELETE"})
# "*", or a list of entity tags: "3", W/"2". A list may be empty, or have empty elements.
TAG = r'(W/)?"[!#-~]*"'
CONDITION = {
    "type": "string",
    "pattern": rf"^(\*|[ \t,]*({TAG}([ \t]*,[ \t,]*{TAG})*)?[ \t,]*)$",
}
ETAG = {
    "description": 'The item\'s version, as a strong entity tag ("3"); "3-gzip" when gzipped.',
    "schema": {"type": "string"},
}


def entity_tags(view: View) -> View:
    """Document that the view answers with ETag and honours If-None-Match or If-Match."""
    setattr(view, ATTRIBUTE, True)
    return view


def problem_statuses(view: Callable[..., object], methods: set[str]) -> set[int]:
    """The problems a view with entity tags may answer with, beyond its others."""
    if not getattr(view, ATTRIBUTE, False):
        return set()
    if methods & CHANGES:
        return WRITE_PROBLEMS
    return READ_PROBLEMS if methods & READS else set()


def document(view: Callable[..., object], method: str, operation: dict[str, Any]) -> None:
    """Add the condition header, the 304 and the ETag of each success to `operation`."""
    if not getattr(view, ATTRIBUTE, False):
        return
    read = method.upper() in READS
    if read:
        _add_header(
            operation,
            "If-None-Match",
            "The ETag of the item as you have it: a 304 while it is still current.",
        )
    elif method.upper() in CHANGES:
        _add_header(
            operation,
            "If-Match",
            "The ETag of the item as you last read it: a 412 if it has changed since.",
        )
    for status, response in operation["responses"].items():
        if str(status).startswith("2") and str(status) != "204":
            response.setdefault("headers", {})["ETag"] = ETAG
    if read:
        operation["responses"]["304"] = {
            "description": "The item has not changed since the ETag of If-None-Match.",
            "headers": {"ETag": ETAG},
        }


def _add_header(operation: dict[str, Any], name: str, description: str) -> None:
    parameter = {"name": name, "in": "header", "required": False, "description": description}
    operation["parameters"] = [
        *operation.get("parameters", []),
        {**parameter, "schema": CONDITION},
    ]
