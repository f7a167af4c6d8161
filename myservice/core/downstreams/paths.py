"""The path of a call: a template whose {names} are filled one whole segment each.

A view that builds a path from what its client sent, `f"/accounts/{account}/balance"`, lets
the client choose another resource: `..` climbs out (`/accounts/../balance` is `/balance`
once any proxy or server normalizes it), `/` adds segments, `?` and `#` start a query or a
fragment. A value given in `path_params` is percent-encoded as one segment, so that none of
these can escape it; a value that is `.` or `..` is refused, since servers decode `%2E%2E` too;
and a path holding a dot segment however it was built is refused before it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, unquote

from werkzeug.exceptions import BadRequest

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
DOT_SEGMENTS = frozenset({".", ".."})
# What a path's literal text keeps as written: RFC 3986's path characters, and `%` for
# escapes written by hand.
LITERAL_SAFE = "/:@!$&'()*+,;=%"


def call_path(name: str, template: str, path_params: Mapping[str, object] | None) -> str:
    """The encoded path to send: `template` with each {name} filled from `path_params`.

    ValueError for a template that is not a path (a mistake of the code); BadRequest, a 400
    for the client, for a value or a path that would leave the resource it names.
    """
    if not template.startswith("/"):
        raise ValueError(f"a path of {name} starts with /, not {template[:40]!r}")
    if "?" in template or "#" in template:
        raise ValueError(f"a path of {name} has no query or fragment: give a query as params=")
    pieces = PLACEHOLDER.split(template) if path_params is not None else [template]
    encoded = []
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            encoded.append(quote(piece, safe=LITERAL_SAFE))
        else:
            encoded.append(_segment(name, piece, path_params or {}))
    path = "".join(encoded)
    if any(unquote(segment) in DOT_SEGMENTS for segment in path.split("/")):
        raise BadRequest(f"The path of the call to {name} would climb out of it ('.' or '..').")
    return path


def _segment(name: str, placeholder: str, path_params: Mapping[str, object]) -> str:
    try:
        value = str(path_params[placeholder])
    except KeyError:
        raise ValueError(
            f"the path of {name} names {{{placeholder}}}, not in path_params"
        ) from None
    if value in DOT_SEGMENTS or not value:
        raise BadRequest(f"{value!r} cannot be the {placeholder} of a call to {name}.")
    return quote(value, safe="")
