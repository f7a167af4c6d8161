"""The route `make bench` loads to show that waiting on a downstream does not cap throughput.

GET /relay awaits bench/slow_downstream.py, which answers 20 ms later, through the client the
service opens for the downstream `slow` (DOWNSTREAMS, set by the benchmark).
"""

from typing import Any

from quart import Blueprint, Quart

from myservice import create_app as create_service
from myservice.core import downstream, public

blueprint = Blueprint("bench_calls", __name__)


@blueprint.get("/relay")
@public
async def relay() -> Any:
    """What the slow downstream answers."""
    slow = downstream("slow")
    return slow.json(await slow.get("/"))


def create_app() -> Quart:
    """The service with the route."""
    app = create_service()
    app.register_blueprint(blueprint)
    return app
