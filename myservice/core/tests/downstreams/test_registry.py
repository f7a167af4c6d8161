"""DOWNSTREAMS: checked at start-up, one pool per downstream while serving, readiness when asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from quart import Quart

from ...downstreams.registry import downstream
from ...testing.key_server import KeyServer
from ...testing.live_server import LiveServer, free_port
from ...testing.token_endpoint import CLIENT
from ..downstream_stub import DownstreamStub
from ..plumbing import create_app, create_app_with_views
from .worked_example import example_factory, example_views


def app_calling(**entries: dict[str, object]) -> Quart:
    """The plumbing, calling the downstreams given, on a migrated database of its own."""
    return create_app({"TESTING": True, "DOWNSTREAMS": entries})


def test_a_mistake_stops_the_start() -> None:
    """As any setting's: one line naming DOWNSTREAMS and the field."""
    with pytest.raises(SystemExit) as stopped:
        app_calling(billing={"url": "https://billing.internal", "pool": -1})
    assert "DOWNSTREAMS billing: pool must be a whole number of at least 1" in str(
        stopped.value.code
    )


async def test_one_client_per_downstream_while_serving_and_none_after(
    stub: DownstreamStub,
) -> None:
    """The client is opened when serving starts, the same for every call, and closed after."""
    app = app_calling(stub={"url": stub.url})
    async with app.test_app(), app.app_context():
        first = downstream("stub")
        assert downstream("stub") is first
        assert (await first.get("/echo")).status_code == 200
    async with app.app_context():
        with pytest.raises(LookupError, match="no downstream 'stub' is open"):
            downstream("stub")


async def test_a_name_not_configured_is_a_503_naming_it_and_an_error_logged(
    tmp_path: Path, stub: DownstreamStub, caplog: pytest.LogCaptureFixture
) -> None:
    """A view calls downstream("stubb"), which this deployment lacks: 503 naming it, not a 500."""
    views = {
        "typo": """
            from quart import Blueprint

            from {SERVICE}.core import downstream, public

            blueprint = Blueprint("typo", __name__)


            @blueprint.get("/typo")
            @public
            async def typo() -> dict[str, int]:
                return {"status": (await downstream("stubb").get("/echo")).status_code}
        """
    }
    app = create_app_with_views(
        tmp_path, views, {"TESTING": True, "DOWNSTREAMS": {"stub": {"url": stub.url}}}
    )
    async with app.test_app():
        response = await app.test_client().get("/typo")
    assert response.status_code == 503
    body = await response.get_json()
    assert body["downstream"] == "stubb"
    assert body["detail"] == "no downstream 'stubb' is configured here (DOWNSTREAMS has stub)."
    assert "no downstream 'stubb' is configured here" in caplog.text


async def test_a_downstream_down_leaves_the_service_ready_unless_asked(database_url: str) -> None:
    """Without ready_path, an unreachable downstream is no reason to take the pod out."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "DOWNSTREAMS": {"gone": {"url": f"http://127.0.0.1:{free_port()}"}},
        }
    )
    async with app.test_app():
        assert (await app.test_client().get("/readyz")).status_code == 200


async def test_a_downstream_with_ready_path_is_a_readiness_check(
    stub: DownstreamStub, database_url: str
) -> None:
    """ready_path /status/503: /readyz is 503 naming it; /echo (200): ready."""
    settings = {"TESTING": True, "DATABASE_URL": database_url}
    failing = create_app(
        {**settings, "DOWNSTREAMS": {"stub": {"url": stub.url, "ready_path": "/status/503"}}}
    )
    async with failing.test_app():
        response = await failing.test_client().get("/readyz")
    assert response.status_code == 503
    body = await response.get_json()
    assert body["failing"] == ["downstream stub"]
    assert body["checks"]["downstream stub"] == "failed: stub answered 503 after 3 attempts."
    healthy = create_app(
        {**settings, "DOWNSTREAMS": {"stub": {"url": stub.url, "ready_path": "/echo"}}}
    )
    async with healthy.test_app():
        assert (await healthy.test_client().get("/readyz")).status_code == 200


async def test_the_worked_example_of_the_docs_calls_a_protected_route_with_its_own_token(
    tmp_path: Path, serve: Callable[..., LiveServer], key_server: KeyServer, database_url: str
) -> None:
    """docs/downstreams.md's views as written there, the catalogue served for real.

    The catalogue trusts the provider, the caller fetches a token there once, and a path that
    climbs out of the catalogue's is a 400.
    """
    catalogue = serve(factory=example_factory(tmp_path, "catalogue"), **key_server.settings())
    grant = key_server.grant(scope="products:read")
    app = create_app_with_views(
        tmp_path,
        example_views(),
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "DOWNSTREAMS": {
                "catalogue": {"url": f"http://127.0.0.1:{catalogue.port}", "auth": grant}
            },
        },
    )
    async with app.test_app():
        client = app.test_client()
        response = await client.get("/upstream/kettle")
        climbing = await client.get("/upstream/%2E%2E")
    assert response.status_code == 200
    assert await response.get_json() == {
        "sku": "kettle",
        "name": "Product kettle",
        "asked_by": CLIENT[0],
    }
    assert climbing.status_code == 400
    assert key_server.tokens.fetches == 1


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://billing.internal", True),
        ("https://billing.internal", False),
        ("http://127.0.0.1:9", False),
    ],
)
def test_tokens_over_plain_http_to_another_host_are_warned_of(
    url: str, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Tokens over http beyond this machine: a warning at start, not a refusal (a mesh may encrypt)."""
    app_calling(billing={"url": url, "auth": "forward"})
    warning = "DOWNSTREAMS billing: its calls carry tokens over plain http to billing.internal"
    assert (warning in caplog.text) is warned
