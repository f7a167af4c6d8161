"""The baseline for `make bench`: bare Quart, one route, the same answer as the service's GET /."""

from quart import Quart

from myservice import __version__

app = Quart(__name__)


@app.get("/")
async def home() -> dict[str, str]:
    """What the service's home page answers, with none of its plumbing."""
    return {"name": "myservice", "version": __version__}
