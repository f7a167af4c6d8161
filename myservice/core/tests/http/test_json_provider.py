"""JSON responses come from orjson, yet look as Quart's would, and are always valid JSON."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import cast

import pytest
from quart import Quart, Response

from ...http.access import public
from ..plumbing import create_app


async def test_responses_keep_quarts_conventions(app: Quart) -> None:
    """Keys sorted, datetimes as RFC 3339, Decimal and UUID as strings, text as UTF-8."""

    @app.get("/things")
    @public
    async def things() -> dict[str, object]:
        return {
            "zebra": 1,
            "apple": "pomme, été",
            "when": datetime.datetime(2026, 11, 21, 9, 30, tzinfo=datetime.UTC),
            "price": decimal.Decimal("9.99"),
            "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        }

    response = await app.test_client().get("/things")
    assert response.content_type == "application/json"
    assert await response.get_data(as_text=True) == (
        '{"apple":"pomme, été","id":"12345678-1234-5678-1234-567812345678","price":"9.99",'
        '"when":"2026-11-21T09:30:00Z","zebra":1}\n'
    )


async def test_non_finite_numbers_become_null(app: Quart) -> None:
    """NaN and Infinity, which the json module would write as invalid JSON, are null."""

    @app.get("/odd")
    @public
    async def odd() -> dict[str, float]:
        return {"nan": float("nan"), "inf": float("inf")}

    response = await app.test_client().get("/odd")
    assert await response.get_json() == {"inf": None, "nan": None}


async def test_debug_mode_indents() -> None:
    """In debug mode responses are indented for people, as Quart does."""
    app = create_app({"DEBUG": True})
    response = await app.test_client().get("/livez")
    assert await response.get_data(as_text=True) == '{\n  "status": "alive"\n}\n'


@pytest.mark.parametrize(
    ("args", "kwargs", "body"),
    [
        ((1,), {}, b"1\n"),
        ((1, 2), {}, b"[1,2]\n"),
        ((), {"b": 1, "a": 2}, b'{"a":2,"b":1}\n'),
        ((), {}, b"null\n"),
    ],
    ids=["one", "several", "keywords", "none"],
)
async def test_json_response_takes_what_quarts_takes(
    app: Quart, args: tuple[object, ...], kwargs: dict[str, object], body: bytes
) -> None:
    """One value, several as a list, keywords as an object, or null; sorted, with a newline."""
    async with app.app_context():
        response = cast(Response, app.json.response(*args, **kwargs))
    assert response.mimetype == "application/json"
    assert await response.get_data() == body


def test_json_response_refuses_values_and_keywords_together(app: Quart) -> None:
    """Quart refuses the mix too: there would be no telling which to send."""
    with pytest.raises(TypeError, match="not both"):
        app.json.response(1, a=2)
