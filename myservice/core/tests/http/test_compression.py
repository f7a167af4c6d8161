"""gzip answers: large answers compressed for clients that accept it, others as they are."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Callable

import pytest
from quart import Blueprint, Quart, Response
from quart.typing import ResponseReturnValue

from ...http.access import public
from ...http.compression import accepts_gzip
from ...testing.live_server import LiveServer
from ..plumbing import FACTORY, create_app

LARGE: dict[str, object] = {"items": [{"id": n, "name": f"item {n}"} for n in range(200)]}
GZIP = {"Accept-Encoding": "gzip"}


def answering_app(**settings: object) -> Quart:
    """The plumbing with a large answer, a small one, a stream, an event stream, an encoded one."""
    app = create_app({"TESTING": True, **settings})
    routes = Blueprint("_sizes", __name__)

    @routes.get("/large")
    @public
    async def large() -> dict[str, object]:
        return LARGE

    @routes.get("/small")
    @public
    async def small() -> dict[str, object]:
        return {"ok": True}

    @routes.get("/stream")
    @public
    async def stream() -> ResponseReturnValue:
        async def chunks() -> AsyncIterator[bytes]:
            for n in range(50):
                yield f"line {n} of a long stream of text\n".encode()

        return Response(chunks(), content_type="text/plain")

    @routes.get("/events")
    @public
    async def events() -> ResponseReturnValue:
        async def events() -> AsyncIterator[bytes]:
            yield b"data: " + b"x" * 4000 + b"\n\n"

        return Response(events(), content_type="text/event-stream")

    @routes.get("/encoded")
    @public
    async def encoded() -> ResponseReturnValue:
        return gzip.compress(b"y" * 4000), 200, {"Content-Encoding": "gzip"}

    app.register_blueprint(routes)
    return app


async def test_a_large_answer_is_gzipped_for_a_client_that_accepts_it() -> None:
    """Content-Encoding, Vary and the compressed length; the body inflates to the answer."""
    response = await answering_app().test_client().get("/large", headers=GZIP)
    body = await response.get_data(as_text=False)
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Vary"] == "Accept-Encoding"
    assert int(response.headers["Content-Length"]) == len(body)
    assert json.loads(gzip.decompress(body)) == LARGE
    assert len(body) < len(json.dumps(LARGE)) / 4


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/large", {}),
        ("/large", {"Accept-Encoding": "gzip;q=0, br"}),
        ("/small", GZIP),
    ],
    ids=["not-accepted", "refused-by-q", "small"],
)
async def test_otherwise_the_answer_goes_as_it_is(path: str, headers: dict[str, str]) -> None:
    """Not accepted, or under COMPRESSION_MINIMUM: plain, and still Vary: Accept-Encoding."""
    response = await answering_app().test_client().get(path, headers=headers)
    assert "Content-Encoding" not in response.headers
    assert response.headers["Vary"] == "Accept-Encoding"
    assert json.loads(await response.get_data(as_text=False))


@pytest.mark.parametrize("path", ["/events", "/encoded"])
async def test_event_streams_and_encoded_answers_are_never_compressed(path: str) -> None:
    """An event stream must reach its client event by event; an encoded body is left alone."""
    response = await answering_app().test_client().get(path, headers=GZIP)
    assert "Vary" not in response.headers
    if path == "/events":
        assert "Content-Encoding" not in response.headers
        assert (await response.get_data(as_text=False)).startswith(b"data: xxx")
    else:  # compressed once, by the view, not twice
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(await response.get_data(as_text=False)) == b"y" * 4000


async def test_a_head_answer_says_what_get_would_send_as_it_is() -> None:
    """HEAD has no body to compress: its Content-Length is the plain answer's."""
    client = answering_app().test_client()
    head = await client.head("/large", headers=GZIP)
    plain = await client.get("/large")
    assert "Content-Encoding" not in head.headers
    assert head.headers["Content-Length"] == plain.headers["Content-Length"]


async def test_a_streamed_answer_is_compressed_as_it_goes() -> None:
    """No Content-Length for a stream; the chunks together inflate to the whole text."""
    response = await answering_app().test_client().get("/stream", headers=GZIP)
    assert response.headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(await response.get_data(as_text=False)).decode()
    assert text.splitlines()[-1] == "line 49 of a long stream of text"


async def test_compression_turned_off_sends_everything_plain() -> None:
    """COMPRESSION_MINIMUM null: nothing is compressed."""
    app = answering_app(COMPRESSION_MINIMUM=None)
    response = await app.test_client().get("/large", headers=GZIP)
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize(
    ("accept", "accepted"),
    [("gzip", True), ("deflate, gzip;q=0.5", True), ("*", True), ("gzip;q=0", False), ("", False)],
)
def test_accept_encoding_is_read_with_its_q_values(accept: str, accepted: bool) -> None:
    """Gzip or * with a q-value above 0."""
    scope = {"headers": [(b"accept-encoding", accept.encode())]}
    assert accepts_gzip(scope) is accepted  # type: ignore[arg-type]


def test_the_production_server_sends_the_openapi_document_gzipped(
    serve: Callable[..., LiveServer],
) -> None:
    """Under make serve, a large answer goes out compressed to a client that asks."""
    server = serve(factory=FACTORY)
    status, headers, body = server.get("/openapi.json", headers=GZIP)
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["openapi"].startswith("3.")
