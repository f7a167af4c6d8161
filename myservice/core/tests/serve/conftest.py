"""The app the serving tests serve: the service, plus a slow route and one that names its worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from ...identity import SERVICE

PROBE_APP = f"""
import asyncio
import os

from {SERVICE} import create_app as create_service
from {SERVICE}.core import cannot_start, public


def create_app():
    app = create_service()

    @app.before_serving
    async def fail_if_told():
        if os.environ.get("PROBE_FAILS_TO_START"):
            raise cannot_start("the probe was told to fail")

    @app.get("/sleep/<float:seconds>")
    @public
    async def sleep(seconds):
        await asyncio.sleep(seconds)
        return {{"slept": seconds}}

    @app.get("/pid")
    @public
    async def pid():
        return {{"pid": os.getpid()}}

    hang = asyncio.Event()

    @app.post("/hang-at-shutdown")
    @public
    async def hang_at_shutdown():
        hang.set()
        return {{"hangs": True}}

    @app.after_serving
    async def hanging():
        if hang.is_set():
            await asyncio.sleep(3600)

    return app
"""


@pytest.fixture
def probe_app(tmp_path: Path) -> str:
    """The probe app's factory, written to the directory the `serve` fixture serves from."""
    return write_probe_app(tmp_path)


def write_probe_app(directory: Path) -> str:
    """Write the probe app into `directory`; give its factory, as `module:function`."""
    (directory / "probe_app.py").write_text(PROBE_APP)
    return "probe_app:create_app"
