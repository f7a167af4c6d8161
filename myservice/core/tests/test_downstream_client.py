"""Calls to a real downstream on loopback: deadlines, which calls are retried, what the client hears."""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from quart import Blueprint, Quart, request
from quart.typing import TestClientProtocol as Client

from .. import logs
from ..access import public
from ..downstreams import downstream
from ..live_server import free_port
from ..openapi import problems
from .downstream_stub import DownstreamStub
from .plumbing import create_app

calls = Blueprint("_calls", __name__)


@calls.route("/call/<path:target>", methods=["GET", "POST"])
@public
@problems(502, 503, 504)
async def call(target: str) -> dict[str, Any]:
    """Pass the request on to the stub, and say what it answered."""
    stub = downstream("stub")
    response = await stub.request(
        request.method,
        f"/{target}",
        params=list(request.args.items(multi=True)),
        content=await request.body,
    )
    return {"status": response.status_code, "body": stub.json(response)}


@pytest.fixture
def stub() -> Iterator[DownstreamStub]:
    """The downstream, stopped after the test."""
    server = DownstreamStub()
    yield server
    server.stop()


def calling_app(url: str, **entry: object) -> Quart:
    """The plumbing with the /call view, its downstream `stub` at `url`."""
    app = create_app(
        {"TESTING": True, "LOG_FORMAT": "json", "DOWNSTREAMS": {"stub": {"url": url, **entry}}}
    )
    app.register_blueprint(calls)
    return app


@pytest.fixture
async def served(stub: DownstreamStub) -> AsyncIterator[tuple[Quart, io.StringIO]]:
    """The calling app serving, its log lines kept."""
    app = calling_app(stub.url, deadline=2, retries=2)
    lines = io.StringIO()
    logs.init_app(app, lines)
    async with app.test_app():
        yield app, lines


@pytest.fixture
def client(served: tuple[Quart, io.StringIO]) -> Client:
    """A client of the serving app."""
    return served[0].test_client()


def downstream_lines(lines: io.StringIO) -> list[dict[str, Any]]:
    """The log lines of the calls made."""
    parsed = [json.loads(line) for line in lines.getvalue().splitlines()]
    return [line for line in parsed if line["event"] == "downstream request"]


async def test_the_request_id_goes_with_the_call(client: Client) -> None:
    """The downstream sees the incoming request's X-Request-ID; the view gets its answer."""
    response = await client.get("/call/echo", headers={"X-Request-ID": "trace-me-42"})
    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == 200
    assert body["body"]["headers"]["x-request-id"] == "trace-me-42"


async def test_a_get_answered_503_is_retried_until_it_succeeds(
    client: Client, stub: DownstreamStub, served: tuple[Quart, io.StringIO]
) -> None:
    """Two 503s then 200, with retries 2: the client gets 200; the log says three attempts."""
    response = await client.get("/call/flaky/503/2")
    assert (await response.get_json())["status"] == 200
    assert stub.hits["/flaky/503/2"] == 3
    [line] = downstream_lines(served[1])
    assert (line["attempts"], line["status"], line["outcome"]) == (3, 200, "answered")


async def test_a_get_still_failing_after_the_retries_is_a_502_naming_the_downstream(
    client: Client, stub: DownstreamStub
) -> None:
    """Three 503s to a GET: 502 problem, `downstream` named, the answer counted."""
    response = await client.get("/call/status/503")
    assert response.status_code == 502
    assert response.mimetype == "application/problem+json"
    body = await response.get_json()
    assert body["downstream"] == "stub"
    assert body["detail"] == "stub answered 503 after 3 attempts."
    assert stub.hits["/status/503"] == 3


async def test_a_post_is_never_retried_once_sent(client: Client, stub: DownstreamStub) -> None:
    """A POST answered 503 is not sent again: it may have been acted on. The client gets 502."""
    response = await client.post("/call/status/503", data=b"{}")
    assert response.status_code == 502
    assert stub.hits["/status/503"] == 1
    dropped = await client.post("/call/drop", data=b"{}")
    assert dropped.status_code == 502
    assert (await dropped.get_json())["detail"] == "stub dropped the connection."
    assert stub.hits["/drop"] == 1


async def test_a_500_is_not_retried(client: Client, stub: DownstreamStub) -> None:
    """500 says the downstream failed at the request itself: asking again would fail again."""
    response = await client.get("/call/status/500")
    assert response.status_code == 502
    assert stub.hits["/status/500"] == 1


async def test_a_dropped_connection_is_retried_for_a_get(
    client: Client, stub: DownstreamStub
) -> None:
    """A GET whose connection drops is tried again, up to the retries, then 502."""
    response = await client.get("/call/drop")
    assert response.status_code == 502
    assert stub.hits["/drop"] == 3


async def test_answers_under_500_reach_the_view(client: Client) -> None:
    """A 404 of the downstream is the view's to handle, not a failure."""
    response = await client.get("/call/status/404")
    assert response.status_code == 200
    assert (await response.get_json())["status"] == 404


async def test_a_body_that_is_not_json_is_a_502(client: Client) -> None:
    """The view asks for JSON and gets text: 502, saying so."""
    response = await client.get("/call/text")
    assert response.status_code == 502
    assert (await response.get_json())["detail"] == (
        "stub answered 200 with a body that is not JSON."
    )


async def test_a_downstream_that_cannot_be_reached_is_a_503_with_retry_after() -> None:
    """Nothing listening: every attempt fails to connect; 503, Retry-After, the name."""
    app = calling_app(f"http://127.0.0.1:{free_port()}", retries=1)
    async with app.test_app():
        response = await app.test_client().get("/call/echo")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert (await response.get_json())["detail"] == "stub cannot be reached."


async def test_the_deadline_covers_the_whole_call(stub: DownstreamStub) -> None:
    """A downstream slower than the deadline: 504 at the deadline, not after every retry."""
    app = calling_app(stub.url, deadline=0.3, retries=5)
    async with app.test_app():
        response = await app.test_client().get("/call/slow/2")
    assert response.status_code == 504
    detail = (await response.get_json())["detail"]
    assert detail == "stub did not answer within the deadline (0.30 s)."
    assert stub.hits["/slow/2"] == 1


async def test_the_deadline_is_cut_to_what_the_incoming_request_has_left(
    stub: DownstreamStub,
) -> None:
    """RESPONSE_TIMEOUT 1 and a downstream deadline of 5: the call gets at most 1 s."""
    app = calling_app(stub.url, deadline=5)
    app.config["RESPONSE_TIMEOUT"] = 1
    async with app.test_app():
        response = await app.test_client().get("/call/slow/3")
    assert response.status_code == 504
    detail = (await response.get_json())["detail"]
    found = re.fullmatch(r"stub did not answer within the deadline \((.*) s\)\.", detail)
    assert found is not None, detail
    assert 0.5 < float(found[1]) <= 1.0


async def test_a_full_pool_is_a_503(stub: DownstreamStub) -> None:
    """A pool of 1, one call in flight: the next waits for a connection, then 503 with Retry-After."""
    app = calling_app(stub.url, pool=1, deadline=3)
    async with app.test_app():
        client = app.test_client()
        slow = asyncio.create_task(client.get("/call/slow/1.5"))
        await asyncio.sleep(0.2)
        refused = await client.get("/call/echo")
        assert refused.status_code == 503
        assert (await refused.get_json())[
            "detail"
        ] == "stub: no connection within 1 s (pool full?)."
        assert (await slow).status_code == 200


async def test_each_attempt_is_counted_and_each_call_timed(client: Client) -> None:
    """/metrics has the attempts by status class and the calls' latency."""
    await client.get("/call/flaky/503/1")
    text = await (await client.get("/metrics")).get_data(as_text=True)
    assert 'downstream_requests_total{downstream="stub",method="GET",status="5xx"} 1.0' in text
    assert 'downstream_requests_total{downstream="stub",method="GET",status="2xx"} 1.0' in text
    assert 'downstream_request_duration_seconds_count{downstream="stub",method="GET"} 1.0' in text


async def test_the_log_line_has_no_query_string(
    client: Client, served: tuple[Quart, io.StringIO]
) -> None:
    """One line per call: downstream, method, path without its query, status, time."""
    await client.get("/call/echo?token=secret&page=2")
    [line] = downstream_lines(served[1])
    assert line["path"] == "/echo"
    assert (line["downstream"], line["method"], line["status"]) == ("stub", "GET", 200)
    assert "secret" not in served[1].getvalue()


async def test_the_failures_a_view_declares_are_documented(client: Client) -> None:
    """@problems(502, 503, 504) puts the three in the view's operation, as shared problems."""
    spec = await (await client.get("/openapi.json")).get_json()
    responses = spec["paths"]["/call/{target}"]["get"]["responses"]
    assert responses["502"] == {"$ref": "#/components/responses/BadGateway"}
    assert responses["504"] == {"$ref": "#/components/responses/GatewayTimeout"}
    assert "503" in responses


async def test_a_redirect_is_handed_back_not_followed(client: Client, stub: DownstreamStub) -> None:
    """A 302 reaches the view: followed, it would carry the headers on and make a POST a GET."""
    response = await client.post("/call/redirect", data=b"{}")
    assert response.status_code == 502  # the view asks for JSON; a 302 has no body
    assert stub.hits["/redirect"] == 1
    assert stub.hits["/echo"] == 0


async def test_an_answer_that_is_not_http_is_a_502(client: Client, stub: DownstreamStub) -> None:
    """Garbage where an answer should be: 502 naming the downstream, not a traceback."""
    response = await client.get("/call/garbled")
    assert response.status_code == 502
    assert (await response.get_json())["detail"] == "stub sent an answer that is not HTTP."


async def test_a_path_must_start_with_a_slash(served: tuple[Quart, io.StringIO]) -> None:
    """A path such as "@evil.example/x" would change the host: refused before anything is sent."""
    async with served[0].app_context():
        with pytest.raises(ValueError, match="a path of stub starts with /"):
            await downstream("stub").get("@evil.example/x")
