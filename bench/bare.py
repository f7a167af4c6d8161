"""The baseline for `make bench`: bare Quart, one route, the same answer as the service's GET /."""

from quart import Quart

app = Quart(__name__)


@app.get("/")
async def home() -> dict[str, str]:
    """What the service's home page answers, with none of its plumbing."""
    return {"name": "myservice", "version": "0.1.0"}
