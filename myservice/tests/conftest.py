"""Fixtures: apps built by create_app(), isolated from the developer's own settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from quart import Quart
from quart.typing import TestClientProtocol as Client

from myservice import create_app
from myservice.settings import ENV_PREFIX, SETTINGS_FILE_VARIABLE
from myservice.tests.serving import Server


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide MYSERVICE_* variables, QUART_SETTINGS and ./settings.yml, so only defaults apply."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX) or name == SETTINGS_FILE_VARIABLE:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def app() -> Quart:
    """A fresh app in test mode."""
    return create_app({"TESTING": True})


@pytest.fixture
def client(app: Quart) -> Client:
    """A test client of the app fixture."""
    return app.test_client()


@pytest.fixture
async def spec(client: Client) -> dict[str, Any]:
    """The OpenAPI document the app serves."""
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = await response.get_json()
    return document


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    """Servers a test starts; any still running at the end are killed."""
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()
