"""make worker: the service's app with ROLE worker: probes and metrics, none of the views."""

from __future__ import annotations

import pytest

from .... import create_app, views
from ...discovery import discover_blueprints
from ...events.worker import create_worker_app
from ...startup import ENV_PREFIX, SERVICE


async def test_the_worker_serves_its_probes_and_none_of_the_views(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker has every route of the web app but those of views/; /livez and /metrics answer."""
    # Its broker, which it connects to only once serving.
    monkeypatch.setenv(f"{ENV_PREFIX}BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
    worker, web = create_worker_app(), create_app()
    assert worker.config["ROLE"] == "worker"
    views_of_the_service = {blueprint.name for blueprint in discover_blueprints(views)}
    assert set(worker.blueprints) == set(web.blueprints) - views_of_the_service
    client = worker.test_client()
    assert (await client.get("/livez")).status_code == 200
    assert (await client.get("/metrics")).status_code == 200


def test_a_worker_without_a_broker_refuses_to_start() -> None:
    """A worker pod whose Secret lacks BROKER_URL would deliver in-process, unseen: it stops."""
    with pytest.raises(SystemExit) as stopped:
        create_app({"ROLE": "worker", "TESTING": False})
    assert stopped.value.code == (
        f"{SERVICE}: cannot start: ROLE worker consumes from a broker, and BROKER_URL is not set:"
        " set it; without a broker the web's own processes deliver the events, and no worker is"
        " needed"
    )
