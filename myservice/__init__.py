"""myservice: a Quart microservice. Serve it with `make run`, or `QUART_APP=myservice quart run`."""

# The one place the version is written: setup.py reads it from here, and the package knows it
# even when it runs from a source tree that is not installed. It comes before the imports, which
# need it.
__version__ = "0.1.0"

from myservice.app import create_app

__all__ = ["__version__", "create_app"]
