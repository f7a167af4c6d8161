"""The app class: models go out as JSON, blueprints' hooks run, requests in flight are capped."""

from __future__ import annotations

import datetime

from pydantic import BaseModel
from quart import Blueprint, Quart

from ..callers.access import public
from .plumbing import create_app


class Greeting(BaseModel):
    """A model a view returns as it is."""

    text: str
    sent: datetime.datetime


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


async def test_hooks_of_nested_blueprints_all_run_innermost_last() -> None:
    """A view in a blueprint within a blueprint gets both blueprints' hooks, as Quart orders them."""
    app = create_app()
    outer, inner = Blueprint("_outer", __name__), Blueprint("_inner", __name__)
    ran: list[str] = []

    @outer.before_request
    async def outer_first() -> None:
        ran.append("outer")

    @inner.before_request
    async def inner_next() -> None:
        ran.append("inner")

    @inner.get("/_nested")
    @public
    async def nested() -> dict[str, list[str]]:
        return {"ran": ran}

    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    response = await app.test_client().get("/_nested")
    assert await response.get_json() == {"ran": ["outer", "inner"]}
