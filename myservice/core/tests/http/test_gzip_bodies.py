"""gzip request bodies: inflated when the view reads them, within MAX_CONTENT_LENGTH."""

from __future__ import annotations

import gzip
import json

import pytest
from quart import Blueprint, Quart, request

from ...http.access import public
from ..plumbing import create_app


def reading_app() -> Quart:
    """The plumbing with a view that reads the JSON body and one that counts the body's bytes."""
    app = create_app({"TESTING": True})
    routes = Blueprint("_bodies", __name__)

    @routes.post("/echo")
    @public
    async def echo() -> dict[str, object]:
        sent = {
            "encoding": request.headers.get("Content-Encoding"),
            "length": request.content_length,
        }
        return {"received": await request.get_json(), "headers": sent}

    @routes.post("/count")
    @public
    async def count() -> dict[str, object]:
        return {"bytes": sum([len(chunk) async for chunk in request.body])}

    app.register_blueprint(routes)
    return app


async def test_a_gzip_body_reaches_the_view_inflated() -> None:
    """The view reads the JSON inflated, and sees the headers as sent: gzip, the sent length."""
    body = gzip.compress(json.dumps({"name": "compressed"}).encode())
    headers = {
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
        "Content-Length": str(len(body)),
    }
    response = await reading_app().test_client().post("/echo", data=body, headers=headers)
    assert response.status_code == 200
    assert await response.get_json() == {
        "received": {"name": "compressed"},
        "headers": {"encoding": "gzip", "length": len(body)},
    }


@pytest.mark.parametrize(
    ("body", "encoding", "status", "detail"),
    [
        (gzip.compress(b" " * (8 * 1024 * 1024)), "gzip", 413, "once decompressed"),
        (b"not gzip at all", "gzip", 400, "not valid gzip"),
        (gzip.compress(b"{}")[:-6], "gzip", 400, "not valid gzip"),
        (gzip.compress(b"{}") + b"garbage", "gzip", 400, "after the end of its gzip stream"),
        (gzip.compress(b"{}") + gzip.compress(b"{}"), "gzip", 400, "after the end"),
        (b"{}", "br", 415, "compressed with gzip"),
    ],
    ids=["zip-bomb", "garbage", "truncated", "trailing-bytes", "second-member", "brotli"],
)
async def test_a_body_that_cannot_be_inflated_within_bounds_is_refused(
    body: bytes, encoding: str, status: int, detail: str
) -> None:
    """An 8 MiB bomb in an 8 KB body is a 413; broken gzip, or more after it, a 400; br a 415."""
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    response = await reading_app().test_client().post("/echo", data=body, headers=headers)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert detail in (await response.get_json(force=True))["detail"]


@pytest.mark.parametrize(
    ("body", "status", "answer"),
    [
        (gzip.compress(b"x" * 300_000), 200, {"bytes": 300_000}),
        (gzip.compress(b" " * (8 * 1024 * 1024)), 413, None),
        (gzip.compress(b"x") + b"more", 400, None),
    ],
    ids=["inflated", "zip-bomb", "trailing-bytes"],
)
async def test_a_gzip_body_read_chunk_by_chunk_is_inflated_within_the_same_bounds(
    body: bytes, status: int, answer: dict[str, int] | None
) -> None:
    """A view iterating request.body gets the inflated bytes, and the same refusals."""
    headers = {"Content-Encoding": "gzip"}
    response = await reading_app().test_client().post("/count", data=body, headers=headers)
    assert response.status_code == status
    if answer is not None:
        assert await response.get_json() == answer
