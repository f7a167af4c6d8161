"""myservice: a Quart microservice. Serve it with `hypercorn "myservice:create_app()"`."""

from importlib.metadata import version

from myservice.app import create_app

__all__ = ["__version__", "create_app"]

__version__ = version("myservice")
