"""MAX_IN_FLIGHT: a worker at its cap refuses more at once, with 503, and still answers probes."""

from __future__ import annotations

import asyncio

from quart import Blueprint

from ...callers.in_flight import InFlightCap
from ...http.access import public
from ..plumbing import create_app


async def test_a_worker_at_its_cap_refuses_more_at_once_but_answers_its_probes() -> None:
    """MAX_IN_FLIGHT 1: while one request is answered, another gets 503 now; /livez still 200."""
    app = create_app({"TESTING": True, "MAX_IN_FLIGHT": 1})
    routes = Blueprint("_slow", __name__)
    entered, release = asyncio.Event(), asyncio.Event()

    @routes.get("/slow")
    @public
    async def slow() -> dict[str, str]:
        entered.set()
        await release.wait()
        return {}

    app.register_blueprint(routes)
    client = app.test_client()
    held = asyncio.create_task(client.get("/slow"))
    await entered.wait()
    shed = await client.get("/")
    assert shed.status_code == 503
    assert shed.headers["Retry-After"] == "1"
    assert (await shed.get_json())["detail"] == (
        "This worker is answering 1 requests, its most; try again shortly."
    )
    assert (await client.get("/livez")).status_code == 200
    release.set()
    assert (await held).status_code == 200
    assert (await client.get("/")).status_code == 200


def test_the_probes_pass_a_full_cap() -> None:
    """At its cap the worker admits nothing more but the paths it spares."""
    cap = InFlightCap("MAX_IN_FLIGHT", 2, frozenset({"/livez"}), "busy")
    cap.count = 2
    assert not cap.admits("/")
    assert cap.admits("/livez")
    cap.count = 1
    assert cap.admits("/")
