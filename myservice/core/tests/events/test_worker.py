"""make worker: the service's app with ROLE worker: probes and metrics, none of the views."""

from __future__ import annotations

from .... import create_app, views
from ...discovery import discover_blueprints
from ...events.worker import create_worker_app


async def test_the_worker_serves_its_probes_and_none_of_the_views() -> None:
    """The worker has every route of the web app but those of views/; /livez and /metrics answer."""
    worker, web = create_worker_app(), create_app()
    assert worker.config["ROLE"] == "worker"
    views_of_the_service = {blueprint.name for blueprint in discover_blueprints(views)}
    assert set(worker.blueprints) == set(web.blueprints) - views_of_the_service
    client = worker.test_client()
    assert (await client.get("/livez")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200
