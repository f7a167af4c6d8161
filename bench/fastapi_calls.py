"""The FastAPI twin of bench/calls.py: GET /relay through one aiohttp pool of the same size.

The same client library as the service's, so that the comparison is of the frameworks.
SLOW_DOWNSTREAM_URL names the slow downstream; the pool is opened and closed with the app.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from fastapi import FastAPI

POOL = int(os.environ.get("SLOW_DOWNSTREAM_POOL", "300"))
pool: dict[str, aiohttp.ClientSession] = {}


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Open the downstream's pool for the app's life."""
    connector = aiohttp.TCPConnector(limit=POOL, limit_per_host=POOL)
    async with aiohttp.ClientSession(connector=connector) as session:
        pool["slow"] = session
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/relay")
async def relay() -> Any:
    """What the slow downstream answers."""
    url = os.environ["SLOW_DOWNSTREAM_URL"]
    async with pool["slow"].get(url + "/") as response:
        response.raise_for_status()
        return await response.json()
