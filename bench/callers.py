"""The routes `make bench` compares to price a token: one public, one that requires a scope.

Both answer as the service's GET / does; the protected one first verifies the bearer token
(signature, claims, scope) against the key set the service fetched from a stand-in identity
provider (core/testing/key_server.py), as in production.
"""

from quart import Blueprint, Quart

from myservice import __version__
from myservice import create_app as create_service
from myservice.core import public, requires

SCOPE = "bench:read"
blueprint = Blueprint("bench_callers", __name__)


@blueprint.get("/open")
@public
async def open_to_all() -> dict[str, str]:
    """The service's name and version, to anyone."""
    return {"name": "myservice", "version": __version__}


@blueprint.get("/mine")
@requires(SCOPE)
async def mine() -> dict[str, str]:
    """The same, to a caller whose token grants bench:read."""
    return {"name": "myservice", "version": __version__}


def create_app() -> Quart:
    """The service with the two routes; AUTH_* come from the environment the benchmark sets."""
    app = create_service()
    app.register_blueprint(blueprint)
    return app
