"""The service's front door: who is answering, and which version."""

from quart import Blueprint, current_app

from myservice import __version__

blueprint = Blueprint("home", __name__)


@blueprint.get("/")
async def home() -> dict[str, str]:
    """Name and version of this service."""
    return {"name": current_app.name, "version": __version__}
