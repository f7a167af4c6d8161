"""What an audit record says changed: both sides made JSON, compared, and bounded in size.

The values are made JSON first, by pydantic's rules (a datetime as RFC 3339 text, a Decimal or a
UUID as text, bytes in base64, a set as a list), so that a model on one side and a mapping on
the other compare alike. What a JSON reader could not take back faithfully is kept as text: an
integer beyond 64 bits, NaN or an infinity. Changes that would pass MAX_CHANGES characters keep
the names of the fields changed (MAX_FIELDS at most), and say they were cut.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import orjson
from pydantic import BaseModel
from pydantic_core import to_jsonable_python

MAX_CHANGES = 64 * 1024
MAX_FIELDS = 100
LARGEST_INTEGER = 2**63  # what a 64-bit reader (orjson, a database) takes
Values = BaseModel | Mapping[Any, Any] | None


def changes_of(before: Values, after: Values) -> str:
    """The JSON of what changed: `after` on a creation, `before` on a deletion, else each change.

    A change is a field that differs, as [before, after]; a field absent on one side is null there.
    """
    old, new = _values(before), _values(after)
    if old and new:
        keys = sorted({*old, *new})
        changed = {
            key: [old.get(key), new.get(key)] for key in keys if old.get(key) != new.get(key)
        }
    else:
        changed = new or old
    text = orjson.dumps(changed, option=orjson.OPT_SORT_KEYS).decode()
    if len(text) <= MAX_CHANGES:
        return text
    cut = {"truncated": True, "size": len(text), "fields": sorted(changed)[:MAX_FIELDS]}
    return orjson.dumps(cut, option=orjson.OPT_SORT_KEYS).decode()


def _values(values: Values) -> dict[str, Any]:
    """A model's or a mapping's fields as JSON values, keyed by text."""
    if values is None:
        return {}
    fields = values.model_dump(mode="json") if isinstance(values, BaseModel) else dict(values)
    jsonable = to_jsonable_python(fields, fallback=str, bytes_mode="base64")
    return {str(key): _faithful(value) for key, value in jsonable.items()}


def _faithful(value: Any) -> Any:
    """`value` as any JSON reader takes it back: out-of-range numbers as their text."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if -LARGEST_INTEGER <= value < LARGEST_INTEGER else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, list):
        return [_faithful(each) for each in value]
    if isinstance(value, dict):
        return {str(key): _faithful(each) for key, each in value.items()}
    return str(value)
