"""Who sent a request: what a verified token says of its caller, for the view and the log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Caller:
    """Who sent the request, from a verified token: the subject, the scopes and every claim."""

    subject: str
    scopes: frozenset[str]
    claims: Mapping[str, Any] = field(repr=False)
