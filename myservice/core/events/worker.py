"""`make worker`: the service's app as the worker runs it, under the same supervisor as make serve.

The worker runs the consumers of events/ and the relay (through_broker.py), and answers /livez,
/readyz and /metrics on a port of its own (8001 under `make worker`), with none of the views.
"""

from __future__ import annotations

import importlib
from typing import cast

from quart import Quart

from ..startup import SERVICE

FACTORY = f"{__name__}:create_worker_app"


def create_worker_app() -> Quart:
    """The service's create_app(), with ROLE worker."""
    create_app = importlib.import_module(SERVICE).create_app
    return cast(Quart, create_app({"ROLE": "worker"}))
