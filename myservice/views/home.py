"""The service's front door: who is answering, and which version."""

from __future__ import annotations

from quart import Blueprint, current_app

from myservice import __version__
from myservice.core import Model, public, validate_response

blueprint = Blueprint("home", __name__)


class Service(Model):
    """The service's name and installed version."""

    name: str
    version: str


@blueprint.get("/")
@public
@validate_response(Service)
async def home() -> Service:
    """Name and version of this service."""
    return Service(name=current_app.name, version=__version__)
