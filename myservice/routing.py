"""Label-safe names for a request's route and method, shared by the request log and the metrics.

Clients choose paths and methods freely, so neither goes into a label as sent: the route is the
URL rule that matched (one shared name when none did) and unknown methods share one name too.
"""

from __future__ import annotations

from quart import Request

UNMATCHED_ROUTE = "unmatched"
OTHER_METHOD = "other"
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def route_of(request: Request) -> str:
    """The URL rule the request matched, such as /teams/<int:team_id>, or `unmatched`."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


def method_of(request: Request) -> str:
    """The request's method when it is a standard one, else `other`."""
    method = request.method
    return method if method in KNOWN_METHODS else OTHER_METHOD
