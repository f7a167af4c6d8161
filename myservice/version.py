"""The service's version, written once: setup.py, `make image` and the app read it from here."""

__version__ = "0.1.0"
