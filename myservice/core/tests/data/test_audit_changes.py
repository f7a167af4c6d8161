"""What an audit record says changed: JSON of both sides, compared alike, faithful, bounded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from pydantic import BaseModel

from ...data import audit_changes
from ...data.audit_changes import changes_of


class Price(BaseModel):
    """A model with values JSON does not have."""

    amount: Decimal
    since: datetime


def test_a_creation_gives_the_values_after_and_a_deletion_those_before() -> None:
    """Keys sorted; values as JSON."""
    assert json.loads(changes_of(None, {"b": 1, "a": "x"})) == {"a": "x", "b": 1}
    assert json.loads(changes_of({"a": "x"}, None)) == {"a": "x"}


def test_a_change_gives_each_field_that_differs_as_before_and_after() -> None:
    """Unchanged fields left out; a field on one side only is null on the other."""
    changed = changes_of({"name": "a", "quantity": 2, "gone": 1}, {"name": "a", "quantity": 5})
    assert json.loads(changed) == {"gone": [1, None], "quantity": [2, 5]}


def test_a_model_and_a_mapping_of_the_same_values_are_no_change() -> None:
    """A datetime and a Decimal compare as JSON, whichever side is a model."""
    since = datetime(2026, 12, 5, 12, tzinfo=UTC)
    price = Price(amount=Decimal("1.50"), since=since)
    assert changes_of(price, {"amount": Decimal("1.50"), "since": since}) == "{}"


def test_values_json_cannot_carry_are_kept_as_text() -> None:
    """Bytes in base64, a set as a list, a huge integer and NaN as text, keys as text."""
    values = {"raw": b"\x00ab", "tags": {"x"}, "big": 2**70, "ratio": float("nan"), 7: "seven"}
    assert json.loads(changes_of(None, values)) == {
        "7": "seven",
        "big": str(2**70),
        "ratio": "nan",
        "raw": "AGFi",
        "tags": ["x"],
    }


def test_changes_too_large_keep_the_names_of_the_fields() -> None:
    """Past MAX_CHANGES characters: truncated, its size, the fields' names."""
    large = {"text": "x" * (audit_changes.MAX_CHANGES + 1), "small": 1}
    assert json.loads(changes_of(None, large)) == {
        "fields": ["small", "text"],
        "size": len(json.dumps(large, separators=(",", ":"))),
        "truncated": True,
    }
