"""/metrics counts requests by method, URL rule and status, times them, and shows those running."""

from __future__ import annotations

import asyncio

from prometheus_client.parser import text_string_to_metric_families
from quart import Quart
from quart.typing import TestClientProtocol as Client

from ...http.access import public
from ..plumbing import create_app


def with_routes(app: Quart, release: asyncio.Event | None = None) -> Quart:
    """Add GET /items/<int:item_id>, and GET /slow that waits for `release`."""

    @app.get("/items/<int:item_id>")
    @public
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.get("/slow")
    @public
    async def slow() -> dict[str, bool]:
        assert release is not None
        await release.wait()
        return {"done": True}

    return app


async def samples(client: Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Scrape /metrics and return each sample's value by name and labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    text = await response.get_data(as_text=True)
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests(method: str, route: str, status: str) -> tuple[str, frozenset[tuple[str, str]]]:
    """The key of an http_requests_total sample."""
    labels = {"method": method, "route": route, "status": status}
    return ("http_requests_total", frozenset(labels.items()))


async def test_metrics_are_prometheus_text(client: Client) -> None:
    """The scrape answers in the Prometheus text format with help for each metric."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type == "text/plain; version=0.0.4; charset=utf-8"
    text = await response.get_data(as_text=True)
    assert "# HELP http_requests_total HTTP requests answered, by method, route and status." in text
    assert "# TYPE http_request_duration_seconds histogram" in text


async def test_openmetrics_is_served_to_scrapers_that_ask(client: Client) -> None:
    """A scraper asking for OpenMetrics gets it, ending with the # EOF marker."""
    accept = "application/openmetrics-text; version=1.0.0; charset=utf-8"
    response = await client.get("/metrics", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == "application/openmetrics-text"
    assert (await response.get_data(as_text=True)).endswith("# EOF\n")


async def test_requests_are_counted_by_method_rule_and_status() -> None:
    """Requests to one rule share a series whatever the path's values; each status has its own."""
    client = with_routes(create_app()).test_client()
    await client.get("/items/1")
    await client.get("/items/2")
    await client.delete("/items/3")
    found = await samples(client)
    assert found[requests("GET", "/items/<int:item_id>", "200")] == 2
    assert found[requests("DELETE", "unmatched", "405")] == 1
    labels = frozenset({"method": "GET", "route": "/items/<int:item_id>"}.items())
    assert found[("http_request_duration_seconds_count", labels)] == 2
    assert found[("http_request_duration_seconds_sum", labels)] > 0


async def test_clients_cannot_grow_the_label_set(client: Client) -> None:
    """Every unmatched path shares one route label and every unknown method one method label.

    A path whose rule does not take the method has no rule either: its 405s count as unmatched.
    """
    for path in ("/a", "/b/c", "/wp-login.php", "/%00"):
        await client.get(path)
    await client.open("/", method="BREW")  # type: ignore[call-arg]  # json has a default
    await client.open("/", method="PROPFIND")  # type: ignore[call-arg]  # json has a default
    found = await samples(client)
    assert found[requests("GET", "unmatched", "404")] == 4
    assert found[requests("other", "unmatched", "405")] == 2
    routes = {dict(labels).get("route") for _, labels in found}
    assert routes <= {None, "unmatched", "/", "/metrics"}


async def test_requests_in_progress_rise_and_fall() -> None:
    """A request being handled counts in http_requests_in_progress until it is answered.

    The scrape that reads the gauge is itself in progress, so it counts one too.
    """
    release = asyncio.Event()
    client = with_routes(create_app(), release).test_client()
    in_progress = ("http_requests_in_progress", frozenset[tuple[str, str]]())
    assert (await samples(client))[in_progress] == 1
    pending = asyncio.create_task(client.get("/slow"))
    await asyncio.sleep(0.05)
    assert (await samples(client))[in_progress] == 2
    release.set()
    assert (await pending).status_code == 200
    assert (await samples(client))[in_progress] == 1


async def test_each_app_has_its_own_metrics() -> None:
    """Apps built by create_app() never share counts, so tests cannot disturb each other."""
    first, second = create_app().test_client(), create_app().test_client()
    await first.get("/")
    assert (await samples(first))[requests("GET", "/", "200")] == 1
    assert requests("GET", "/", "200") not in await samples(second)
