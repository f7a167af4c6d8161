"""The one error that stops the service before it serves: a mistake in settings or views."""


class StartupError(Exception):
    """A configuration mistake, told in one line that names where it is and what was expected."""
