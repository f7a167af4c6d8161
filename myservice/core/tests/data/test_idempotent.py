"""Idempotency-Key: a retried POST gets its first answer again, and its write happens once."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable

import pytest
from quart import Blueprint, Quart, Response, request
from quart.typing import TestClientProtocol as Client
from sqlalchemy import func, select

from ...api.validation import validate_request, validate_response
from ...data.database import database, transaction
from ...data.idempotent import idempotent
from ...http.access import public, requires
from ...testing.live_server import LiveServer
from ..items import Item, ItemOut, NewItem, client_of, count_items, create_tables
from ..plumbing import create_app as create_plumbing_app

KEY = {"Idempotency-Key": '"8e03978e-40d5-43e8-bc93-6894a57f9324"'}
once = Blueprint("_once", __name__)
# Set by a test to hold the view until it is released.
held: asyncio.Event | None = None


@once.post("/_once")
@public
@idempotent
@validate_request(NewItem)
@validate_response(ItemOut, 201)
async def create_once(data: NewItem) -> tuple[ItemOut, int]:
    """Store an item; ?fail=1 fails after the write, ?pause=s waits before answering."""
    async with transaction() as session:
        item = Item(name=data.name)
        session.add(item)
        await session.flush()
        if held is not None:
            await held.wait()
        await asyncio.sleep(float(request.args.get("pause", 0)))
        if request.args.get("fail"):
            raise RuntimeError("failed after the write")
        return ItemOut(id=item.id, name=item.name), 201


@once.post("/_mine")
@requires("items:write")
@idempotent
async def create_mine() -> tuple[dict[str, int], int]:
    """Store an item for a caller with a token, named after a counter."""
    async with transaction() as session:
        count = await session.scalar(select(func.count()).select_from(Item)) or 0
        session.add(Item(name=f"mine{count}"))
    return {"count": count + 1}, 201


@once.post("/_large")
@public
@idempotent
async def create_large() -> Response:
    """Store an item, and answer ?size= bytes, streamed in 100-byte chunks with ?stream=1."""
    async with transaction() as session:
        session.add(Item(name="large"))
    size = int(request.args["size"])

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, size, 100):
            yield b"x" * min(100, size - start)

    return Response(chunks() if request.args.get("stream") else b"x" * size, 201)


def live_app() -> Quart:
    """The plumbing with the views above and the tests' tables, for the production server."""
    app = create_plumbing_app()
    app.register_blueprint(once)

    @app.before_serving
    async def tables() -> None:
        await create_tables(database().engine)

    return app


@pytest.fixture
async def client(app: Quart) -> Client:
    """A client of an app serving the views above, their tables in its database."""
    return await client_of(app, once)


async def stored(app: Quart) -> list[str]:
    """The names of the items stored."""
    async with app.app_context(), database().sessions() as session:
        return list(await session.scalars(select(Item.name).order_by(Item.id)))


async def test_a_retry_gets_the_first_answer_and_writes_nothing(app: Quart, client: Client) -> None:
    """The same key and body: the same status, body and headers, marked replayed; one row."""
    first = await client.post("/_once", json={"name": "a"}, headers=KEY)
    again = await client.post("/_once", json={"name": "a"}, headers=KEY)
    assert first.status_code == again.status_code == 201
    assert await again.get_json() == await first.get_json() == {"id": 1, "name": "a"}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert "Idempotent-Replayed" not in first.headers
    assert await stored(app) == ["a"]


async def test_the_key_may_come_unquoted(app: Quart, client: Client) -> None:
    """A key quoted and the same unquoted are one key: clients send both."""
    await client.post("/_once", json={"name": "a"}, headers={"Idempotency-Key": '"abc"'})
    again = await client.post("/_once", json={"name": "a"}, headers={"Idempotency-Key": "abc"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await stored(app) == ["a"]


async def test_the_same_key_for_another_body_is_a_422(app: Quart, client: Client) -> None:
    """A key names one request: another body with it is refused, and not written."""
    await client.post("/_once", json={"name": "a"}, headers=KEY)
    response = await client.post("/_once", json={"name": "b"}, headers=KEY)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    problem = await response.get_json()
    assert "another request" in problem["detail"]
    assert problem["errors"] == [{"parameter": "Idempotency-Key", "detail": problem["detail"]}]
    assert await stored(app) == ["a"]


async def test_without_a_key_every_post_writes(app: Quart, client: Client) -> None:
    """No header, no promise: two POSTs are two items."""
    for name in ("a", "b"):
        response = await client.post("/_once", json={"name": name})
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert await stored(app) == ["a", "b"]


async def test_a_retry_while_the_first_runs_is_a_409_then_gets_its_answer(
    app: Quart, client: Client
) -> None:
    """While the first request holds the key, a retry is told to come back; then it replays."""
    global held  # noqa: PLW0603 (the view waits on it)
    held = asyncio.Event()
    try:
        first = asyncio.create_task(client.post("/_once", json={"name": "a"}, headers=KEY))
        await asyncio.sleep(0.2)
        busy = await client.post("/_once", json={"name": "a"}, headers=KEY)
        held.set()
        assert (await first).status_code == 201
    finally:
        held = None
    assert busy.status_code == 409
    assert busy.headers["Retry-After"].isdigit()
    assert "still running" in (await busy.get_json())["detail"]
    again = await client.post("/_once", json={"name": "a"}, headers=KEY)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await stored(app) == ["a"]


async def test_two_sends_of_one_key_at_once_run_once(app: Quart, client: Client) -> None:
    """Sent at the same moment, before either claimed the key: one runs, the other is a 409."""
    global held  # noqa: PLW0603 (the view waits on it)
    held = asyncio.Event()
    try:
        sends = [
            asyncio.create_task(client.post("/_once", json={"name": "a"}, headers=KEY))
            for _ in range(2)
        ]
        await asyncio.sleep(0.3)
        held.set()
        statuses = sorted([(await send).status_code for send in sends])
    finally:
        held = None
    assert statuses == [201, 409]
    assert await stored(app) == ["a"]


async def test_a_failed_request_writes_nothing_and_its_retry_runs(
    app: Quart, client: Client
) -> None:
    """A 500 rolls the write back and frees the key: the retry is a first request."""
    failed = await client.post("/_once?fail=1", json={"name": "a"}, headers=KEY)
    assert failed.status_code == 500
    assert await stored(app) == []
    retry = await client.post("/_once", json={"name": "a"}, headers=KEY)
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert await stored(app) == ["a"]


@pytest.mark.parametrize("stream", ["", "1"], ids=["whole", "streamed"])
async def test_an_answer_too_large_to_keep_writes_nothing(
    app: Quart, client: Client, stream: str
) -> None:
    """Over MAX_CONTENT_LENGTH the answer is not kept: rolled back, a 500 saying so, key free.

    Within it, a streamed answer is kept whole and replayed byte for byte.
    """
    app.config["MAX_CONTENT_LENGTH"] = 1000
    large = await client.post(f"/_large?size=1001&stream={stream}", headers=KEY)
    assert large.status_code == 500
    assert "too large to keep for a retry" in (await large.get_json())["detail"]
    assert await stored(app) == []
    again = await client.post(f"/_large?size=1001&stream={stream}", headers=KEY)
    assert again.status_code == 500  # given up, not still claimed
    other = {"Idempotency-Key": '"another"'}
    first = await client.post(f"/_large?size=1000&stream={stream}", headers=other)
    replayed = await client.post(f"/_large?size=1000&stream={stream}", headers=other)
    assert first.status_code == replayed.status_code == 201
    assert await first.get_data() == await replayed.get_data() == b"x" * 1000
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert await stored(app) == ["large"]


async def test_keys_are_each_callers_own(app: Quart, bearer: Callable[..., dict[str, str]]) -> None:
    """Two callers with the same key make two items; each retry replays its caller's answer."""
    client = await client_of(app, once)
    answers = []
    for subject in ("alice", "bob", "alice"):
        headers = {**bearer("items:write", subject=subject), **KEY}
        answers.append(await (await client.post("/_mine", headers=headers)).get_json())
    assert answers == [{"count": 1}, {"count": 2}, {"count": 1}]
    assert await stored(app) == ["mine0", "mine1"]


@pytest.mark.parametrize(
    "value",
    ["", '""', '"a"b"', '"a\\b"', "a b", "x" * 256, f'"{"x" * 256}"', '"unclosed', "é", "a,b"],
)
async def test_a_key_that_is_not_one_string_is_a_400(client: Client, value: str) -> None:
    """Empty, too long, not ASCII, or two values: a problem that says what a key looks like."""
    response = await client.post("/_once", json={"name": "a"}, headers={"Idempotency-Key": value})
    assert response.status_code == 400
    assert "Idempotency-Key must be one string" in (await response.get_json())["detail"]


async def test_two_keys_in_one_request_are_a_400(client: Client) -> None:
    """Two Idempotency-Key fields: which is meant cannot be known."""
    response = await client.post(
        "/_once", json={"name": "a"}, headers=[("Idempotency-Key", "a"), ("Idempotency-Key", "b")]
    )
    assert response.status_code == 400


async def test_the_openapi_document_has_the_header_and_its_answers(client: Client) -> None:
    """The operation takes Idempotency-Key, may answer 409 and 422, and marks replays."""
    operation = (await (await client.get("/openapi.json")).get_json())["paths"]["/_once"]["post"]
    [parameter] = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert parameter["in"] == "header"
    assert {"400", "409", "422"} <= set(operation["responses"])
    assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"]


def cut(server: LiveServer, path: str, body: bytes, whole: bool) -> None:
    """Send a POST with the key, then close the connection without reading the answer."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Idempotency-Key: {KEY['Idempotency-Key']}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(head + (body if whole else body[: len(body) // 2]))


def post_until_answered(
    server: LiveServer, path: str, body: bytes
) -> tuple[int, dict[str, str], bytes]:
    """POST with the key as a client does: again after Retry-After while it is a 409, a few times."""
    for _ in range(20):
        answer = server.request("POST", path, body, {**KEY, "Content-Type": "application/json"})
        if answer[0] != 409:
            return answer
        time.sleep(int(answer[1]["retry-after"]))
    return answer


def test_retries_after_a_cut_connection_write_once(
    serve: Callable[..., LiveServer], database_url: str
) -> None:
    """Under the production server: a cut mid-body and one mid-view write nothing; then one item."""
    server = serve(factory=f"{__name__}:live_app")
    body = b'{"name": "a"}'
    cut(server, "/_once", body, whole=False)
    cut(server, "/_once?pause=0.5", body, whole=True)
    time.sleep(1)
    assert asyncio.run(count_items(database_url)) == 0
    first = post_until_answered(server, "/_once?pause=0.5", body)
    again = post_until_answered(server, "/_once?pause=0.5", body)
    assert (first[0], again[0]) == (201, 201)
    assert "idempotent-replayed" not in first[1]
    assert again[1]["idempotent-replayed"] == "true"
    assert again[2] == first[2]
    assert asyncio.run(count_items(database_url)) == 1
