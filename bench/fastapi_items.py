"""The FastAPI twin of bench/items.py: the same routes, rows and answers, the same engine.

The engine comes from the service's own open_engine(), with the service's default settings and
the same DATABASE_URL, so that the comparison is of the frameworks, not of their pools.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from sqlalchemy import select

from bench.items import PAGE, BenchItem, Item, Page
from myservice import create_app as create_service
from myservice.core.data.database import open_engine

database = open_engine(create_service().config)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Dispose of the engine once serving stops."""
    yield
    await database.engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/items/{item_id}", response_model=Item)
async def read_item(item_id: int) -> Item:
    """One row."""
    async with database.sessions() as session:
        row = await session.get(BenchItem, item_id)
        if row is None:
            raise HTTPException(404)
        return Item(id=row.id, name=row.name, quantity=row.quantity)


@app.get("/items", response_model=Page)
async def list_items() -> Page:
    """The first page of rows."""
    async with database.sessions() as session:
        rows = (await session.scalars(select(BenchItem).order_by(BenchItem.id).limit(PAGE))).all()
    return Page(items=[Item(id=row.id, name=row.name, quantity=row.quantity) for row in rows])
