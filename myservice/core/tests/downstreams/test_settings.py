"""DOWNSTREAMS: each entry checked at start-up, its defaults filled in."""

from __future__ import annotations

import pytest

from ...downstreams.settings import DEFAULTS, downstreams


def test_an_entry_gets_the_defaults_it_leaves_out() -> None:
    """Only url is required: deadline 5 s, a pool of 100, 2 retries, no readiness check."""
    assert downstreams({"billing": {"url": "https://billing.internal"}}) == {
        "billing": {"url": "https://billing.internal", **DEFAULTS}
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Billing": {"url": "https://b"}}, "names 'Billing': a downstream's name is lowercase"),
        ({"billing": "https://b"}, "billing must be a mapping such as {url: https://billing"),
        ({"billing": {}}, "billing needs its url, an http(s) URL"),
        ({"billing": {"url": "ftp://b"}}, "billing needs its url"),
        ({"billing": {"url": "https://b", "timeout": 3}}, "billing has timeout; known: url,"),
        ({"billing": {"url": "https://b", "deadline": 0}}, "billing: deadline must be seconds"),
        ({"billing": {"url": "https://b", "deadline": float("nan")}}, "billing: deadline must be"),
        ({"billing": {"url": "https://b", 1: 2}}, "billing has 1; known: url,"),
        ({"billing": {"url": "https://b", "pool": 0}}, "billing: pool must be a whole number"),
        ({"billing": {"url": "https://b", "retries": True}}, "billing: retries must be a whole"),
        ({"billing": {"url": "https://b", "ready_path": "readyz"}}, "billing: ready_path must be"),
        ({"billing": {"url": "https://b", "auth": "mine"}}, "billing: auth must be forward, null,"),
    ],
)
def test_a_mistake_in_an_entry_is_named(value: dict[str, object], message: str) -> None:
    """Each mistake says which downstream and which field, and what is wanted."""
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        downstreams(value)
