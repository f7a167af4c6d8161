"""DOWNSTREAMS: the services this one calls, each checked at start-up and its defaults filled in.

DOWNSTREAMS:
  billing:
    url: https://billing.internal
    deadline: 2
    auth: {token_url: https://identity.internal/token, client_id: orders, client_secret: ...}
    tls: {ca_path: /etc/ssl/internal-ca.pem}
    breaker: {failures: 5, cool_off: 10}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..settings.setting import Setting
from .parts import (
    BREAKER_DEFAULTS,
    BreakerSettings,
    ClientCredentialsGrant,
    Tls,
    auth_part,
    breaker_part,
    filled_in,
    seconds,
    tls_part,
    whole,
)

NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
DEFAULTS: dict[str, object] = {
    "deadline": 5,
    "pool": 100,
    "retries": 2,
    "ready_path": None,
    "largest_answer": 8 * 1024 * 1024,
    "auth": None,
    "tls": None,
    "breaker": BREAKER_DEFAULTS,
}


@dataclass(frozen=True)
class Downstream:
    """One service this one calls: where, how long, how many connections, with what credentials."""

    name: str
    url: str
    deadline: float
    pool: int
    retries: int
    ready_path: str | None
    largest_answer: int
    auth: ClientCredentialsGrant | str | None
    tls: Tls | None
    breaker: BreakerSettings | None

    @classmethod
    def of(cls, name: str, entry: Mapping[str, object]) -> Downstream:
        """The downstream a checked entry of DOWNSTREAMS describes."""
        fields = dict(entry)
        auth, tls, breaker = fields.pop("auth"), fields.pop("tls"), fields.pop("breaker")
        return cls(
            name=name,
            auth=ClientCredentialsGrant(**auth) if isinstance(auth, dict) else auth,  # type: ignore[arg-type]
            tls=Tls(**tls) if isinstance(tls, dict) else None,
            breaker=BreakerSettings(**breaker) if isinstance(breaker, dict) else None,
            **fields,  # type: ignore[arg-type]
        )


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
    filled = filled_in(name, entry, DEFAULTS, ("url",))
    url = filled["url"]
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise ValueError(f"{name} needs its url, an http(s) URL such as https://{name}.internal")
    seconds(name, "deadline", filled["deadline"])
    for field, least in (("pool", 1), ("retries", 0), ("largest_answer", 1)):
        whole(name, field, filled[field], least)
    ready = filled["ready_path"]
    if ready is not None and not (isinstance(ready, str) and ready.startswith("/")):
        raise ValueError(f"{name}: ready_path must be a path such as /readyz, or null")
    filled["auth"] = auth_part(name, filled["auth"])
    filled["tls"] = tls_part(name, filled["tls"])
    filled["breaker"] = breaker_part(name, filled["breaker"])
    return filled


SETTINGS: dict[str, Setting] = {
    "DOWNSTREAMS": Setting({}, dict, check=downstreams),
}
