"""What the plumbing names a request by, in logs, metrics and spans; and the type of a view.

Clients choose paths and methods freely, so neither goes into a log field or a metric label as
sent: a request is named by the URL rule it matched, and by its method when that is a standard
one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from quart.wrappers.base import BaseRequestWebsocket

# What the decorators of views (@public, @quiet, @problems, ...) take and give back.
View = TypeVar("View", bound=Callable[..., object])

UNMATCHED_ROUTE = "unmatched"
OTHER_METHOD = "other"
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)


def route_of(request: BaseRequestWebsocket) -> str:
    """The URL rule a request or WebSocket matched, such as /teams/<int:id>, or `unmatched`."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


def method_label(method: str) -> str:
    """The method when it is a standard one, else `other`."""
    return method if method in KNOWN_METHODS else OTHER_METHOD
