"""The app class: models go out as JSON, blueprints' hooks run, requests in flight are capped."""

from __future__ import annotations

from quart import Blueprint

from ..http.access import public
from .plumbing import create_app


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
