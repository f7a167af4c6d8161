"""The request class: JSON bodies that parse reach the view; others get a 4xx problem."""

from __future__ import annotations

import asyncio

import pytest
from quart import Blueprint, Quart, request
from quart.typing import TestClientProtocol as Client
from werkzeug.datastructures import Headers

from ...api.validation import Model, validate_request
from ...http.access import public
from ...http.request import DEEPEST, JSONRequest
from ..plumbing import create_app

JSON = {"Content-Type": "application/json"}
TOO_DEEP = f"The body's JSON is nested too deeply (more than {DEEPEST} levels)."


def echo_routes() -> Blueprint:
    """Routes that read the body as JSON and send back what they received."""
    blueprint = Blueprint("echo", __name__)

    @blueprint.post("/echo")
    @public
    async def echo() -> dict[str, object]:
        return {"received": await request.get_json()}

    @blueprint.post("/echo-silently")
    @public
    async def echo_silently() -> dict[str, object]:
        return {"received": await request.get_json(silent=True)}

    return blueprint


def echo_client(overrides: dict[str, object]) -> Client:
    """A test client of an app built with these overrides, with the echo routes added."""
    app = create_app({"TESTING": True, **overrides})
    app.register_blueprint(echo_routes())
    return app.test_client()


@pytest.fixture
def echo_app(app: Quart) -> Quart:
    """The test app with the echo routes added."""
    app.register_blueprint(echo_routes())
    return app


@pytest.fixture
def echo(echo_app: Quart) -> Client:
    """A test client of echo_app."""
    return echo_app.test_client()


@pytest.mark.parametrize("content_type", ["application/json", "application/merge-patch+json"])
async def test_json_body_reaches_the_view(echo: Client, content_type: str) -> None:
    """A JSON body sent as application/json, or any application/*+json, is parsed for the view."""
    body = '{"name": "Zoë", "tags": ["a", "b"], "count": 2, "ratio": 0.5}'.encode()
    response = await echo.post("/echo", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 200
    assert await response.get_json() == {
        "received": {"name": "Zoë", "tags": ["a", "b"], "count": 2, "ratio": 0.5}
    }


@pytest.mark.parametrize(
    ("headers", "sent"),
    [({"Content-Type": "text/plain"}, "text/plain"), ({}, "no Content-Type")],
)
async def test_json_under_another_content_type_is_a_415(
    echo: Client, headers: dict[str, str], sent: str
) -> None:
    """JSON sent without a JSON Content-Type is refused with 415, not read as None."""
    response = await echo.post("/echo", data=b'{"a": 1}', headers=headers)
    assert response.status_code == 415
    assert response.content_type == "application/problem+json"
    body = await response.get_json(force=True)
    assert body["title"] == "Unsupported Media Type"
    assert body["detail"] == f"Send the body as application/json; this request sent {sent}."


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (
            b'{"a": 1',
            "The body is not valid JSON: Expecting ',' delimiter: line 1 column 8 (char 7).",
        ),
        (b"", "The body is not valid JSON: Expecting value: line 1 column 1 (char 0)."),
        (b'{"a": "\xff"}', "The body is not UTF-8 (bad byte at offset 7)."),
        (b"[" * 100_000 + b"]" * 100_000, TOO_DEEP),
        (b"[" * 900 + b"]" * 900, TOO_DEEP),
        (b'{"a":' * 65 + b"1" + b"}" * 65, TOO_DEEP),
        (b'{"a": NaN}', "The body is not valid JSON: NaN is not a JSON number."),
        (b"-Infinity", "The body is not valid JSON: -Infinity is not a JSON number."),
        (b'{"a": 1e999}', "The body is not valid JSON: 1e999 is too large for a number."),
        (
            b'{"amount": 1, "b": {"amount": 2}, "amount": 1000}',
            'The body is not valid JSON: the key "amount" appears twice in one object.',
        ),
    ],
    ids=[
        *("truncated", "empty", "not-utf-8", "deeply-nested", "900-deep", "65-deep-objects"),
        *("nan", "infinity", "overflow", "duplicate-key"),
    ],
)
async def test_body_that_does_not_parse_is_a_400(echo: Client, data: bytes, detail: str) -> None:
    """Malformed, non-UTF-8, absurdly nested, non-finite or ambiguous JSON: 400 and the reason.

    A key twice in one object is refused rather than read as its last value: a proxy or a
    signature check before the service may have read the first.
    """
    response = await echo.post("/echo", data=data, headers=JSON)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert await response.get_json(force=True) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": detail,
    }


@pytest.mark.parametrize(
    ("data", "headers"),
    [(b'{"a": 1', JSON), (b'{"a": 1}', {"Content-Type": "text/plain"})],
    ids=["malformed", "not-json"],
)
async def test_silent_get_json_gives_none(
    echo: Client, data: bytes, headers: dict[str, str]
) -> None:
    """get_json(silent=True) still turns a bad body into None, for views that ask for that."""
    response = await echo.post("/echo-silently", data=data, headers=headers)
    assert response.status_code == 200
    assert await response.get_json() == {"received": None}


async def test_body_over_the_limit_is_a_413() -> None:
    """A body larger than MAX_CONTENT_LENGTH gets 413, even when it is valid JSON."""
    client = echo_client({"MAX_CONTENT_LENGTH": 16})
    response = await client.post("/echo", data=b'{"a": "0123456789"}', headers=JSON)
    assert response.status_code == 413
    assert response.content_type == "application/problem+json"
    assert (await response.get_json(force=True))["title"] == "Content Too Large"
    small = await client.post("/echo", data=b'{"a": 1}', headers=JSON)
    assert small.status_code == 200


async def test_body_that_never_finishes_is_a_408() -> None:
    """A client that stops sending its body mid-way gets 408 once BODY_TIMEOUT has passed."""
    client = echo_client({"BODY_TIMEOUT": 1})
    async with client.request("/echo", method="POST", headers=JSON) as connection:
        await connection.send(b'{"a": ')
        # Nothing more is sent; leaving the block waits for the app to answer.
    response = await connection.as_response()
    assert response.status_code == 408
    assert response.content_type == "application/problem+json"
    assert (await response.get_json(force=True))["title"] == "Request Timeout"


async def test_json_as_deep_as_allowed_reaches_the_view(echo: Client) -> None:
    """DEEPEST levels of lists and objects are a body like any other."""
    body: object = [[{"a": 1}]]
    for _ in range(DEEPEST - 3):
        body = [body]
    response = await echo.post("/echo", json=body)
    assert response.status_code == 200
    assert (await response.get_json())["received"] == body


async def test_a_deep_body_is_a_400_for_a_validated_view_too() -> None:
    """A model's validation recursed where the parser did not, and answered 500: now 400."""
    app = create_app({"TESTING": True})

    class Thing(Model):
        name: str

    @app.post("/things")
    @public
    @validate_request(Thing)
    async def things(data: Thing) -> dict[str, str]:
        return {"name": data.name}

    deep = b'{"name":' * 900 + b'"x"' + b"}" * 900
    response = await app.test_client().post("/things", data=deep, headers=JSON)
    assert response.status_code == 400
    assert (await response.get_json(force=True))["detail"] == TOO_DEEP


@pytest.mark.parametrize("as_text", [False, True])
async def test_a_hang_up_as_the_body_ends_still_stops_the_view(as_text: bool) -> None:
    """A cancel in the same loop turn as the body's last bytes is not lost (Python 3.11).

    Quart's own read (asyncio.wait_for) drops it, and the view would go on to write.
    """
    request = JSONRequest(
        "POST",
        "http",
        "/",
        b"",
        Headers({"Content-Length": "2"}),
        "",
        "1.1",
        max_content_length=100,
        body_timeout=30,
        send_push_promise=None,
        scope={"type": "http"},
    )
    reading = asyncio.ensure_future(request.get_data(as_text=as_text))
    for _ in range(3):  # the read is under way, waiting for the body
        await asyncio.sleep(0)
    request.body.append(b"{}")
    request.body.set_complete()
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading


async def test_the_body_reads_whole_as_bytes_or_text_and_can_be_let_go() -> None:
    """get_data gives the body as sent; without cache, a second read finds it let go."""
    app = create_app({"TESTING": True})
    async with app.test_request_context("/", method="POST", data=b'{"a": 1}'):
        assert await request.get_data(as_text=True) == '{"a": 1}'
        assert await request.get_data(cache=False) == b'{"a": 1}'
        assert await request.get_data() == b""
