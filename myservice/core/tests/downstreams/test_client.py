"""Calls to a real downstream on loopback: the deadline, the request id, metrics, the log line."""

from __future__ import annotations

import io
import re

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from ...downstreams.registry import downstream
from ...http.access import public
from ..calling import calling_app, downstream_lines
from ..downstream_stub import DownstreamStub


@pytest.fixture
def client(calling: tuple[Quart, io.StringIO]) -> Client:
    """A client of the calling app."""
    return calling[0].test_client()


async def test_the_request_id_goes_with_the_call(client: Client) -> None:
    """The downstream sees the incoming request's X-Request-ID; the view gets its answer."""
    response = await client.get("/call/echo", headers={"X-Request-ID": "trace-me-42"})
    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == 200
    assert body["body"]["headers"]["x-request-id"] == "trace-me-42"


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


async def test_each_attempt_is_counted_and_each_call_timed(client: Client) -> None:
    """/metrics has the attempts by status class and the calls' latency."""
    await client.get("/call/flaky/503/1")
    text = await (await client.get("/metrics")).get_data(as_text=True)
    assert 'downstream_requests_total{downstream="stub",method="GET",status="5xx"} 1.0' in text
    assert 'downstream_requests_total{downstream="stub",method="GET",status="2xx"} 1.0' in text
    assert 'downstream_request_duration_seconds_count{downstream="stub",method="GET"} 1.0' in text


async def test_the_log_line_has_no_query_string(
    client: Client, calling: tuple[Quart, io.StringIO]
) -> None:
    """One line per call: downstream, method, path without its query, status, time."""
    await client.get("/call/echo?token=secret&page=2")
    [line] = downstream_lines(calling[1])
    assert line["path"] == "/echo"
    assert (line["downstream"], line["method"], line["status"]) == ("stub", "GET", 200)
    assert "secret" not in calling[1].getvalue()


async def test_the_failures_a_view_declares_are_documented(client: Client) -> None:
    """@problems(502, 503, 504) puts the three in the view's operation, as shared problems."""
    spec = await (await client.get("/openapi.json")).get_json()
    responses = spec["paths"]["/call/{target}"]["get"]["responses"]
    assert responses["502"] == {"$ref": "#/components/responses/BadGateway"}
    assert responses["504"] == {"$ref": "#/components/responses/GatewayTimeout"}
    assert "503" in responses


async def test_a_path_must_start_with_a_slash(calling: tuple[Quart, io.StringIO]) -> None:
    """A path such as "@evil.example/x" would change the host: refused before anything is sent."""
    async with calling[0].app_context():
        with pytest.raises(ValueError, match="a path of stub starts with /"):
            await downstream("stub").get("@evil.example/x")


def accounts_app(stub: DownstreamStub, **entry: object) -> Quart:
    """The calling app, with a view that calls the stub for the account its client names."""
    app = calling_app(stub.url, **entry)

    @app.get("/accounts/<path:account>")  # any text, slashes included
    @public
    async def account(account: str) -> dict[str, object]:
        ledger = downstream("stub")
        path = "/echo/accounts/{account}/balance"
        answer = await ledger.get(path, path_params={"account": account})
        return {"path": ledger.json(answer)["path"]}

    return app


@pytest.mark.parametrize(
    ("sent", "received"),
    [
        ("42", "/echo/accounts/42/balance"),
        ("a%2Fb", "/echo/accounts/a%2Fb/balance"),
        ("x%3Fadmin=true%23", "/echo/accounts/x%3Fadmin%3Dtrue%23/balance"),
    ],
)
async def test_a_clients_value_stays_inside_its_segment(
    stub: DownstreamStub, sent: str, received: str
) -> None:
    """What the client put in the path reaches the downstream as one segment, as it was."""
    app = accounts_app(stub)
    async with app.test_app():
        response = await app.test_client().get(f"/accounts/{sent}")
    assert response.status_code == 200
    assert (await response.get_json())["path"] == received


async def test_a_clients_dot_segment_is_a_400_and_never_sent(stub: DownstreamStub) -> None:
    """`/accounts/%2E%2E` would have been GET /echo/balance: refused, the stub never called."""
    app = accounts_app(stub)
    async with app.test_app():
        response = await app.test_client().get("/accounts/%2E%2E")
    assert response.status_code == 400
    assert "cannot be the account" in (await response.get_json())["detail"]
    assert sum(stub.hits.values()) == 0


@pytest.mark.parametrize("target", ["big/5000", "endless"])
async def test_an_answer_larger_than_allowed_is_a_502_read_no_further(
    stub: DownstreamStub, target: str
) -> None:
    """Past largest_answer the call stops reading and fails, with or without Content-Length."""
    app = calling_app(stub.url, largest_answer=4096)
    async with app.test_app():
        response = await app.test_client().get(f"/call/{target}")
    assert response.status_code == 502
    assert (await response.get_json())["detail"] == (
        "stub answered more than 4096 bytes (largest_answer)."
    )


async def test_an_answer_within_the_bound_is_read_whole(stub: DownstreamStub) -> None:
    """An answer just under largest_answer reaches the view as sent."""
    app = calling_app(stub.url, largest_answer=4096)
    async with app.test_app():
        response = await app.test_client().get("/call/big/4000")
    assert response.status_code == 200
    assert (await response.get_json())["body"] == "x" * 4000
