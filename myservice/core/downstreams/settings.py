"""DOWNSTREAMS: the services this one calls, each checked at start-up and its defaults filled in.

DOWNSTREAMS:
billing: {url: "https://billing.internal", deadline: 2, pool: 20}
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..settings.setting import Setting

NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
DEFAULTS: dict[str, object] = {
    "deadline": 5,
    "pool": 100,
    "retries": 2,
    "ready_path": None,
    "largest_answer": 8 * 1024 * 1024,
}


@dataclass(frozen=True)
class Downstream:
    """One service this one calls: its base URL, deadline, pool, retries, largest answer."""

    name: str
    url: str
    deadline: float
    pool: int
    retries: int
    ready_path: str | None
    largest_answer: int


def downstreams(value: dict[str, object]) -> dict[str, object]:
    """The DOWNSTREAMS setting, each entry checked and its defaults filled in."""
    checked: dict[str, object] = {}
    for name, entry in value.items():
        if not NAME.match(name):
            raise ValueError(f"names {name!r}: a downstream's name is lowercase, as billing_v2")
        checked[name] = _entry(name, entry)
    return checked


def _entry(name: str, entry: object) -> dict[str, object]:
    if not isinstance(entry, dict):
        raise ValueError(f"{name} must be a mapping such as {{url: https://{name}.internal}}")
    unknown = sorted(map(str, set(entry) - {"url", *DEFAULTS}))
    if unknown:
        raise ValueError(f"{name} has {', '.join(unknown)}; known: url, {', '.join(DEFAULTS)}")
    filled = {**DEFAULTS, **entry}
    url, deadline = filled.get("url"), filled["deadline"]
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"{name} needs its url, an http(s) URL such as https://{name}.internal")
    if (
        isinstance(deadline, bool)
        or not isinstance(deadline, int | float)
        or not math.isfinite(deadline)
        or deadline <= 0
    ):
        raise ValueError(f"{name}: deadline must be seconds, more than 0, not {deadline!r}")
    for field, least in (("pool", 1), ("retries", 0), ("largest_answer", 1)):
        number = filled[field]
        if isinstance(number, bool) or not isinstance(number, int) or number < least:
            raise ValueError(f"{name}: {field} must be a whole number of at least {least}")
    ready = filled["ready_path"]
    if ready is not None and not (isinstance(ready, str) and ready.startswith("/")):
        raise ValueError(f"{name}: ready_path must be a path such as /readyz, or null")
    return filled


SETTINGS: dict[str, Setting] = {
    "DOWNSTREAMS": Setting({}, dict, check=downstreams),
}
