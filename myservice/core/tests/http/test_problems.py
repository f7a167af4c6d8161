"""Every error a client can get is an RFC 9457 problem document, and a 500 reveals nothing."""

from __future__ import annotations

import logging

import pytest
from quart import Blueprint, Quart, abort
from quart.typing import TestClientProtocol as Client
from werkzeug.exceptions import TooManyRequests, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from ...http.access import public
from ...identity import SERVICE
from ..plumbing import create_app

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def error_routes() -> Blueprint:
    """Routes that fail on purpose: one aborts with any status, one raises."""
    blueprint = Blueprint("failing", __name__)

    @blueprint.get("/abort/<int:status>")
    @public
    async def abort_with(status: int) -> str:
        abort(status)

    @blueprint.get("/slow-down")
    @public
    async def slow_down() -> str:
        raise TooManyRequests(retry_after=120)

    @blueprint.get("/crash")
    @public
    async def crash() -> str:
        raise RuntimeError("password=hunter2 in /srv/secret/config.py")

    return blueprint


@pytest.fixture
def failing_client(app: Quart) -> Client:
    """A test client of the app with the failing routes added."""
    app.register_blueprint(error_routes())
    return app.test_client()


async def test_unknown_path_is_a_404_problem(client: Client) -> None:
    """A path with no route answers 404 as application/problem+json."""
    response = await client.get("/no/such/thing", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert await response.get_json(force=True) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": (
            "The requested URL was not found on the server. If you entered the URL manually"
            " please check your spelling and try again."
        ),
    }


async def test_wrong_method_is_a_405_problem_that_keeps_allow(client: Client) -> None:
    """A method the route does not take answers 405 and still lists the allowed methods."""
    response = await client.delete("/")
    assert response.status_code == 405
    assert response.content_type == "application/problem+json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    body = await response.get_json(force=True)
    assert body["title"] == "Method Not Allowed"
    assert body["status"] == 405


async def test_options_is_204_with_allow_and_no_body(client: Client) -> None:
    """OPTIONS answers 204 with the Allow header and an empty body."""
    response = await client.options("/")
    assert response.status_code == 204
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert await response.get_data() == b""


@pytest.mark.parametrize("status", sorted(default_exceptions))
async def test_every_http_error_is_a_problem(failing_client: Client, status: int) -> None:
    """Each HTTP error status Werkzeug knows becomes a problem document with that status.

    A server error also names the request id, so that a client can quote it when reporting it.
    """
    response = await failing_client.get(f"/abort/{status}")
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    body = await response.get_json(force=True)
    if status >= 500:
        assert set(body) == {*PROBLEM_KEYS, "request_id"}
        assert body["request_id"] == response.headers["X-Request-ID"]
    else:
        assert set(body) == PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"] == "about:blank"
    assert body["title"] == RFC_9110_TITLES.get(status, HTTP_STATUS_CODES[status])
    assert body["detail"]


# Where RFC 9110 renamed a status, the title is its new name: the same as the OpenAPI document's.
RFC_9110_TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}


async def test_error_headers_are_kept(failing_client: Client) -> None:
    """Headers an error carries, such as Retry-After on a 429, reach the client."""
    response = await failing_client.get("/slow-down")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "120"
    assert (await response.get_json(force=True))["title"] == "Too Many Requests"


@pytest.mark.parametrize("overrides", [{}, {"DEBUG": True}, {"TESTING": True}])
async def test_unhandled_exception_is_a_500_problem_that_reveals_nothing(
    overrides: dict[str, object], caplog: pytest.LogCaptureFixture
) -> None:
    """A crash answers a generic 500 problem in every mode; the traceback goes to the log only."""
    app = create_app(overrides)
    app.register_blueprint(error_routes())
    with caplog.at_level(logging.ERROR, logger=SERVICE):
        response = await app.test_client().get("/crash")
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    body = await response.get_json(force=True)
    assert body["title"] == "Internal Server Error"
    assert body["status"] == 500
    raw = await response.get_data(as_text=True)
    for internal in ("hunter2", "RuntimeError", "Traceback", "config.py"):
        assert internal not in raw
    [record] = [record for record in caplog.records if record.name == SERVICE]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Exception on request GET /crash"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
