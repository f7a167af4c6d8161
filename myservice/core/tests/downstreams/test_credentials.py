"""The credentials a call carries: the caller's own token goes on only where marked."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..calling import calling_app
from ..downstream_stub import DownstreamStub
from ..plumbing import create_app_with_views


@pytest.mark.parametrize(("auth", "forwarded"), [("forward", True), (None, False)])
async def test_the_callers_token_goes_on_only_where_marked(
    stub: DownstreamStub, auth: str | None, forwarded: bool
) -> None:
    """auth: forward passes the caller's bearer token on; a downstream not marked never gets it."""
    app = calling_app(stub.url, auth=auth)
    async with app.test_app():
        response = await app.test_client().get(
            "/call/echo", headers={"Authorization": "Bearer the-callers-token"}
        )
    headers = (await response.get_json())["body"]["headers"]
    assert headers.get("authorization") == ("Bearer the-callers-token" if forwarded else None)


async def test_forwarding_outside_a_request_sends_no_token(stub: DownstreamStub) -> None:
    """A call made while serving but outside any request (a task of its own) carries none."""
    app = calling_app(stub.url, auth="forward")
    async with app.test_app(), app.app_context():
        from ...downstreams.registry import downstream  # noqa: PLC0415

        client = downstream("stub")
        echoed = client.json(await client.get("/echo"))
    assert "authorization" not in echoed["headers"]


async def test_a_background_task_of_a_request_forwards_its_token(
    stub: DownstreamStub, tmp_path: Path
) -> None:
    """app.add_background_task runs in a copy of the request's context: the token goes on."""
    views = {
        "later": """
            from quart import Blueprint, current_app

            from {SERVICE}.core import downstream, public

            blueprint = Blueprint("later", __name__)


            @blueprint.post("/later")
            @public
            async def later() -> dict[str, bool]:
                \"\"\"Call the stub after answering.\"\"\"
                current_app.add_background_task(downstream("stub").get, "/echo/later")
                return {"queued": True}
        """
    }
    settings = {"TESTING": True, "DOWNSTREAMS": {"stub": {"url": stub.url, "auth": "forward"}}}
    app = create_app_with_views(tmp_path, views, settings)
    async with app.test_app():
        response = await app.test_client().post(
            "/later", headers={"Authorization": "Bearer the-callers-token"}
        )
        assert response.status_code == 200
    # test_app's end waits for the background tasks.
    assert stub.last_headers["/echo/later"]["authorization"] == "Bearer the-callers-token"
