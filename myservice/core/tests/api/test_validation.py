"""Bodies and query strings are checked against their models as JSON Schema would check them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import Field
from quart import Blueprint, Quart
from quart.typing import TestClientProtocol as Client

from ...api.validation import (
    Model,
    Query,
    validate_querystring,
    validate_request,
    validate_response,
)
from ...http.access import public
from ..plumbing import create_app


class Part(Model):
    """A nested model, to check that pointers reach into it."""

    label: str = Field(min_length=1)


class Order(Model):
    """A body with one field of each JSON type, and a nested list."""

    count: int = Field(ge=0)
    price: float
    urgent: bool
    note: str
    due: datetime
    parts: list[Part] = Field(default_factory=list)


class Paging(Query):
    """A query string with a bounded integer."""

    limit: int = Field(10, ge=1, le=100)


class Echo(Model):
    """What the probe views answer."""

    count: int


probe = Blueprint("probe", __name__)


@probe.post("/orders")
@public
@validate_request(Order)
async def create_order(data: Order) -> dict[str, Any]:
    """Echo the validated order, its types made visible."""
    return {"count": data.count, "price": data.price, "due": data.due.isoformat()}


@probe.get("/orders")
@public
@validate_querystring(Paging)
async def list_orders(query_args: Paging) -> dict[str, int]:
    """Echo the validated limit."""
    return {"limit": query_args.limit}


@probe.get("/broken")
@public
@validate_response(Echo)
async def broken() -> dict[str, object]:
    """Answer a body its own model refuses."""
    return {"count": "three"}


@probe.get("/as-data")
@public
@validate_response(Echo)
async def as_data() -> dict[str, object]:
    """Answer data that its model accepts, rather than the model itself."""
    return {"count": 3}


@probe.post("/created")
@public
@validate_response(Echo, 201)
async def created() -> tuple[dict[str, object], int, dict[str, str]]:
    """Answer 201 with data, a status and a header of the view's own."""
    return {"count": 4}, 201, {"Location": "/created/4"}


@probe.get("/misdeclared")
@public
@validate_querystring(int)  # the mistake under test: int is no model
async def misdeclared(query_args: int) -> dict[str, int]:
    """Declare a query model that is no model."""
    return {"value": query_args}


VALID: dict[str, Any] = {
    "count": 2,
    "price": 9.5,
    "urgent": False,
    "note": "",
    "due": "2026-11-21T10:00:00Z",
}


@pytest.fixture
def app() -> Quart:
    """An app serving the probe views next to the service's own."""
    app = create_app({"TESTING": True})
    app.register_blueprint(probe)
    return app


async def test_a_valid_body_reaches_the_view_as_its_model(client: Client) -> None:
    """Each field arrives converted: the date as a datetime, the integer as an int."""
    response = await client.post("/orders", json=VALID)
    assert response.status_code == 200
    due = datetime(2026, 11, 21, 10, tzinfo=UTC).isoformat()
    assert await response.get_json() == {"count": 2, "price": 9.5, "due": due}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("count", True),  # a boolean is not an integer
        ("count", "2"),  # nor is a string of digits
        ("count", 2.5),
        ("price", "9.5"),
        ("price", False),
        ("urgent", 1),
        ("urgent", "true"),
        ("note", 5),
        ("due", "tomorrow"),
    ],
)
async def test_a_value_of_the_wrong_json_type_is_refused(
    client: Client, field: str, value: object
) -> None:
    """Where JSON Schema refuses a value, so does the service: 422 naming the field."""
    response = await client.post("/orders", json={**VALID, field: value})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = await response.get_json()
    assert [error["pointer"] for error in body["errors"]] == [f"#/{field}"]


@pytest.mark.parametrize(("field", "value"), [("count", 2.0), ("count", 1e3), ("price", 9)])
async def test_a_number_json_schema_accepts_is_accepted(
    client: Client, field: str, value: float
) -> None:
    """2.0 is an integer to JSON Schema, and 9 a number: both are accepted as such."""
    response = await client.post("/orders", json={**VALID, field: value})
    assert response.status_code == 200
    assert (await response.get_json())[field] == value


async def test_every_error_is_listed_with_a_pointer_and_a_reason(client: Client) -> None:
    """Three faults give three entries: a nested one, a missing one and an unknown member."""
    body = {**VALID, "parts": [{"label": ""}], "colour": "red"}
    del body["note"]
    response = await client.post("/orders", json=body)
    assert response.status_code == 422
    problem = await response.get_json()
    assert problem["title"] == "Unprocessable Content"
    assert problem["detail"] == "The request body does not match the schema (3 errors); see errors."
    assert problem["errors"] == [
        {"pointer": "#/note", "detail": "Field required"},
        {"pointer": "#/parts/0/label", "detail": "String should have at least 1 character"},
        {"pointer": "#/colour", "detail": "Extra inputs are not permitted"},
    ]


async def test_a_body_that_is_not_an_object_is_refused_at_the_root(client: Client) -> None:
    """A JSON list where an object is expected gets one error pointing at the whole body."""
    response = await client.post("/orders", json=[1, 2])
    assert response.status_code == 422
    errors = (await response.get_json())["errors"]
    assert [error["pointer"] for error in errors] == ["#"]


async def test_a_pointer_escapes_slash_and_tilde(client: Client) -> None:
    """An unknown member named a/b~c is pointed at as a~1b~0c (RFC 6901)."""
    response = await client.post("/orders", json={**VALID, "a/b~c": 1})
    assert (await response.get_json())["errors"][0]["pointer"] == "#/a~1b~0c"


@pytest.mark.parametrize(
    ("headers", "data", "status"),
    [
        ({"Content-Type": "text/plain"}, b"{}", 415),
        ({"Content-Type": "application/json"}, b"{", 400),
        ({"Content-Type": "application/json"}, b"", 400),
        ({"Content-Type": "application/json"}, b'{"count": NaN}', 400),
    ],
)
async def test_a_body_that_is_not_json_is_refused_before_validation(
    client: Client, headers: dict[str, str], data: bytes, status: int
) -> None:
    """A non-JSON Content-Type gets 415 and JSON that does not parse 400, never 422 or 500."""
    response = await client.post("/orders", headers=headers, data=data)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


async def test_a_query_string_value_is_converted_from_text(client: Client) -> None:
    """?limit=5 arrives as the integer 5; an unknown parameter is ignored."""
    response = await client.get("/orders", query_string={"limit": "5", "_": "cache-buster"})
    assert response.status_code == 200
    assert await response.get_json() == {"limit": 5}


@pytest.mark.parametrize("limit", ["0", "101", "ten", "2.5", ""])
async def test_a_query_string_value_out_of_its_model_is_refused(client: Client, limit: str) -> None:
    """A limit out of range or not an integer gets a 422 naming the parameter."""
    response = await client.get("/orders", query_string={"limit": limit})
    assert response.status_code == 422
    problem = await response.get_json()
    assert problem["detail"].startswith("The query string does not match the schema (1 error)")
    assert [error["parameter"] for error in problem["errors"]] == ["limit"]


async def test_a_response_its_model_refuses_is_a_500_not_a_leak(client: Client) -> None:
    """A view answering outside its documented model gives the client a plain 500."""
    response = await client.get("/broken")
    assert response.status_code == 500
    problem = await response.get_json()
    assert "three" not in str(problem)
    assert problem["title"] == "Internal Server Error"


async def test_data_a_response_model_accepts_is_sent_as_the_model(client: Client) -> None:
    """A view may answer with a dict in its model's shape: it is validated, then sent as JSON."""
    response = await client.get("/as-data")
    assert response.status_code == 200
    assert await response.get_json() == {"count": 3}


async def test_a_documented_status_keeps_the_views_status_and_headers(client: Client) -> None:
    """validate_response(Model, 201) checks a 201 answer; its status and headers are kept."""
    response = await client.post("/created")
    assert response.status_code == 201
    assert response.headers["Location"] == "/created/4"
    assert await response.get_json() == {"count": 4}


async def test_a_query_model_pydantic_cannot_load_is_a_500(client: Client) -> None:
    """Declaring a model that is not one is the view's mistake, not the client's: 500, no 422."""
    response = await client.get("/misdeclared", query_string={"value": "1"})
    assert response.status_code == 500
    assert "Cannot load" not in await response.get_data(as_text=True)
