"""The stack a team would otherwise pick, for `make bench`: FastAPI, GET / through a response model."""

from fastapi import FastAPI
from pydantic import BaseModel

from myservice import __version__

app = FastAPI()


class Service(BaseModel):
    """The service's name and version, as the service's own GET / answers."""

    name: str
    version: str


@app.get("/", response_model=Service)
async def home() -> Service:
    """What the service's home page answers."""
    return Service(name="myservice", version=__version__)
