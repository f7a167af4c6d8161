"""Entity tags: a version per item, so that two writers cannot lose each other's update.

A view answers an item with `ETag: "<version>"` (tagged()). A GET whose If-None-Match names the
current tag is a 304 without a body. A write checks If-Match against the item as its
transaction read it (require_match()): a tag that no longer matches is a 412, and with
REQUIRE_IF_MATCH on, a write without If-Match is a 428. The version is SQLAlchemy's
version_id_col, so that a write that lost the race between the check and its UPDATE matches no
row, which is a 412 too (data/errors.py).

gzip gives the compressed answer a tag of its own ("3-gzip"), as RFC 9110 asks of a strong
tag; a tag is compared without that suffix, so a client may send back whichever it was given.
"""

from __future__ import annotations

import re
from typing import TypeVar

from quart import Response, current_app, request
from werkzeug.exceptions import BadRequest, PreconditionFailed, PreconditionRequired

T = TypeVar("T")
GZIP_SUFFIX = "-gzip"
# One entity tag of a list (RFC 9110, 8.8.3), with the comma or the end after it.
LISTED_TAG = re.compile(r'[ \t]*(W/)?"([\x21\x23-\x7e]*)"[ \t]*(?:,|$)')
READS = frozenset({"GET", "HEAD"})


def entity_tag(version: int) -> str:
    """The strong tag of an item at `version`: "3"."""
    return f'"{version}"'


def tagged(item: T, version: int, status: int = 200) -> tuple[T, int, dict[str, str]] | Response:
    """The answer for `item` at `version` with its ETag; a 304 for a GET that has it already."""
    tag = entity_tag(version)
    if request.method in READS and _names(_header("If-None-Match"), version, weak=True):
        return Response(status=304, headers={"ETag": tag})
    return item, status, {"ETag": tag}


def require_match(version: int) -> None:
    """Go on only if If-Match names the item at `version`: else 412, or 428 when required."""
    value = _header("If-Match")
    if value is None:
        if current_app.config["REQUIRE_IF_MATCH"]:
            raise PreconditionRequired(
                "Send If-Match with the ETag of the item as you last read it."
            )
        return
    if not _names(value, version, weak=False):
        raise PreconditionFailed(
            f"The item has changed since that ETag: it is now {entity_tag(version)}."
            " Read it again, then send your change with the new ETag."
        )


def gzip_tag(value: bytes) -> bytes:
    """The tag of the gzipped answer whose tag is `value`: a strong tag gets the suffix."""
    if value.startswith(b'"') and value.endswith(b'"'):
        return value[:-1] + GZIP_SUFFIX.encode() + b'"'
    return value


def _header(name: str) -> str | None:
    values = request.headers.getlist(name)
    return ", ".join(values) if values else None


def _names(value: str | None, version: int, *, weak: bool) -> bool:
    """Whether the list of tags `value` names `version`: "*" names any item that exists.

    `weak`: compare as If-None-Match does, W/"3" naming "3"; If-Match compares strong tags only.
    A list that is not one is a 400, for a condition that cannot be read cannot be kept.
    """
    if value is None:
        return False
    if value.strip() == "*":
        return True
    current = str(version)
    found, end = False, 0
    for listed in LISTED_TAG.finditer(value):
        if listed.start() != end:
            break
        end = listed.end()
        is_weak, opaque = listed[1] is not None, listed[2].removesuffix(GZIP_SUFFIX)
        found = found or (opaque == current and (weak or not is_weak))
    if end != len(value) or end == 0:
        raise BadRequest('The header is not a list of entity tags, such as "3", "4".')
    return found
