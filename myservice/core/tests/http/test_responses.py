"""Responses the views give: a model as JSON, with its status and headers; 204 without a body."""

from __future__ import annotations

import datetime

from pydantic import BaseModel
from quart import Quart

from ...http.access import public
from ...http.responses import no_content


async def test_a_model_returned_by_a_view_is_sent_as_json(app: Quart) -> None:
    """A model, alone or with a status, becomes its JSON, the datetime as RFC 3339."""
    sent = datetime.datetime(2026, 11, 21, 9, 30, tzinfo=datetime.UTC)

    @app.get("/greeting")  # type: ignore[type-var]  # Quart's types do not know models
    @public
    async def greeting() -> Greeting:
        return Greeting(text="hello", sent=sent)

    @app.post("/greeting")  # type: ignore[type-var]
    @public
    async def create_greeting() -> tuple[Greeting, int]:
        return Greeting(text="made", sent=sent), 201

    client = app.test_client()
    response = await client.get("/greeting")
    assert response.status_code == 200
    assert await response.get_json() == {"sent": "2026-11-21T09:30:00Z", "text": "hello"}
    response = await client.post("/greeting")
    assert response.status_code == 201
    assert (await response.get_json())["text"] == "made"


class Greeting(BaseModel):
    """A model a view returns as it is."""

    text: str
    sent: datetime.datetime


async def test_a_model_with_headers_keeps_them(app: Quart) -> None:
    """(model, status, headers) as Quart reads a tuple: the headers go out with the JSON."""

    @app.post("/greetings")  # type: ignore[type-var]  # Quart's types do not know models
    @public
    async def create() -> tuple[Greeting, int, dict[str, str]]:
        sent = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
        return Greeting(text="made", sent=sent), 201, {"Location": "/greetings/1"}

    response = await app.test_client().post("/greetings")
    assert response.status_code == 201
    assert response.headers["Location"] == "/greetings/1"
    assert response.content_type == "application/json"


async def test_no_content_is_a_204_without_a_body_or_its_headers(app: Quart) -> None:
    """RFC 9110 forbids Content-Length on a 204; no Content-Type for a body there isn't.

    Read from the response itself: Quart's test client adds both back to what it receives.
    """
    async with app.app_context():
        response = no_content()
    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers
    assert await response.get_data() == b""
