"""The OpenAPI side of Idempotency-Key (data/idempotent.py): the header and its answers.

An `@idempotent` view's operation takes the header, may answer 400 (a key that is not one),
409 (the first request with the key still runs) and 422 (the key was used for another request),
and marks a replayed answer with Idempotent-Replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..data.idempotent import ATTRIBUTE, HEADER, KEY, REPLAYED

PROBLEM_STATUSES = {400, 409, 422}
PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "A key of your choosing, new for each request, such as a UUID: a retry with the same"
        " key and body gets the first answer again instead of a second write."
    ),
    "schema": {"type": "string", "pattern": f"^({KEY.pattern})$"},
}
REPLAYED_HEADER = {
    "description": "true on an answer given again for a retried Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}


def problem_statuses(view: Callable[..., object]) -> set[int]:
    """The problems an idempotent view may answer with, beyond its others."""
    return PROBLEM_STATUSES if getattr(view, ATTRIBUTE, False) else set()


def document(view: Callable[..., object], operation: dict[str, Any]) -> None:
    """Add the header to the operation, and Idempotent-Replayed to its successes."""
    if not getattr(view, ATTRIBUTE, False):
        return
    operation["parameters"] = [*operation.get("parameters", []), PARAMETER]
    for status, response in operation["responses"].items():
        if str(status).startswith("2"):
            response.setdefault("headers", {})[REPLAYED] = REPLAYED_HEADER
