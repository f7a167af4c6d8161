"""myservice: a Quart microservice. Serve it with `make run`, or `QUART_APP=myservice quart run`."""

from myservice.app import create_app
from myservice.version import __version__

__all__ = ["__version__", "create_app"]
