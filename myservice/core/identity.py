"""Who the service is, its name and its environment's prefix; and the error that stops a start.

The name is derived from the package this `core` sits in, never written out, so that
`make rename` leaves every line of `core` as the skeleton wrote it.
"""

from __future__ import annotations

# "<package>.core.identity" -> "<package>"
SERVICE = __name__.rsplit(".", 2)[0]
# The prefix of the environment variables that set the service's settings, as in <PREFIX>DEBUG.
ENV_PREFIX = f"{SERVICE.upper()}_"


class StartupError(Exception):
    """A configuration mistake, told in one line that names where it is and what was expected."""


def cannot_start(error: StartupError | str) -> SystemExit:
    """The exit that stops a start with one line on stderr and status 1, and no traceback."""
    return SystemExit(f"{SERVICE}: cannot start: {error}")
