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
# An entity tag (RFC 9110, 8.8.3), and what may come between two of a list: blanks and commas,
# empty elements included, which a recipient must accept (5.6.1).
ENTITY_TAG = re.compile(r'(W/)?"([\x21\x23-\x7e]*)"')
BETWEEN = re.compile(r"[ \t]*(?:,[ \t]*)*")
NOT_A_LIST = '{header} is not a list of entity tags, such as "3", "4".'
READS = frozenset({"GET", "HEAD"})


def entity_tag(version: int) -> str:
    """The strong tag of an item at `version`: "3"."""
    return f'"{version}"'


def tagged(item: T, version: int, status: int = 200) -> tuple[T, int, dict[str, str]] | Response:
    """The answer for `item` at `version` with its ETag; a 304 for a GET that has it already."""
    tag = entity_tag(version)
    if request.method in READS and _names("If-None-Match", version, weak=True):
        # No Content-Type: a 304 has no content (compression.py adds the Vary of the 200).
        unchanged = Response(status=304, headers={"ETag": tag})
        del unchanged.headers["Content-Type"]
        return unchanged
    return item, status, {"ETag": tag}


def require_match(version: int) -> None:
    """Go on only if If-Match names the item at `version`: else 412, or 428 when required.

    If-None-Match on a write asks for it only where the item is not at a version named: one
    that names it (or "*") is a 412 too.
    """
    if _names("If-None-Match", version, weak=True):
        raise PreconditionFailed(
            f"If-None-Match names the item as it is now, {entity_tag(version)}: it was not changed."
        )
    if _header("If-Match") is None:
        if current_app.config["REQUIRE_IF_MATCH"]:
            raise PreconditionRequired(
                "Send If-Match with the ETag of the item as you last read it."
            )
        return
    if not _names("If-Match", version, weak=False):
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


def _names(header: str, version: int, *, weak: bool) -> bool:
    """Whether the list of tags in `header` names `version`: "*" names any item that exists.

    `weak`: compare as If-None-Match does, W/"3" naming "3"; If-Match compares strong tags only.
    An empty list names nothing. A list that is not one is a 400, for a condition that cannot be
    read cannot be kept.
    """
    value = _header(header)
    if value is None:
        return False
    if value.strip() == "*":
        return True
    try:
        return str(version) in _opaque_tags(value, strong_only=not weak)
    except ValueError:
        raise BadRequest(NOT_A_LIST.format(header=header)) from None


def _opaque_tags(value: str, *, strong_only: bool) -> set[str]:
    """The tags of the list `value`, without quotes or the gzip suffix; ValueError for no list."""
    tags: set[str] = set()
    position = _after_separators(value, 0)
    while position < len(value):
        tag = ENTITY_TAG.match(value, position)
        if tag is None:
            raise ValueError(value)
        position = _after_separators(value, tag.end())
        if position < len(value) and "," not in value[tag.end() : position]:
            raise ValueError(value)  # two tags with no comma between them
        if not (strong_only and tag[1]):
            tags.add(tag[2].removesuffix(GZIP_SUFFIX))
    return tags


def _after_separators(value: str, start: int) -> int:
    """Where the blanks and commas from `start` on end."""
    separators = BETWEEN.match(value, start)
    return separators.end() if separators else start
