"""Serving with the development key: refused unless allowed, and said aloud beyond loopback.

Once a route requires a token, a start with the development key (no AUTH_JWKS_URL) is refused
unless AUTH_DEVELOPMENT_KEY (which `make run` sets), DEBUG or TESTING allows it, so that no
deployed service accepts tokens its own machine can make. Allowed, and listening beyond this
machine (`make run HOST=0.0.0.0`), the start says so in a warning: the development server and
key are then reachable from the network.
"""

from __future__ import annotations

import os
from ipaddress import ip_address

from quart import Quart
from quart.helpers import get_debug_flag

from ..http.access import protected_views
from ..identity import ENV_PREFIX, cannot_start
from .auth import EXTENSION_KEY
from .development_key import DevelopmentKeys
from .tokens import TokenVerifier


def development_key_refusal(app: Quart) -> str | None:
    """The line a start stops with when it would serve with the development key, unless allowed.

    AUTH_DEVELOPMENT_KEY, DEBUG or TESTING allows it (the test plugin sets the first). The app
    asks as it starts serving, under any server: building it serves nothing, so the commands
    that only load it (make view, spec, config, db upgrade, token) go on.
    """
    if not _signs_in_with_development_key(app):
        return None
    config = app.config
    # `quart run --debug` sets QUART_DEBUG, and the app's DEBUG from it only after it is made.
    debug = config["DEBUG"] or ("QUART_DEBUG" in os.environ and get_debug_flag())
    if config["AUTH_DEVELOPMENT_KEY"] or debug or config["TESTING"]:
        return None
    return str(
        cannot_start(
            "routes require tokens but AUTH_JWKS_URL is not set: set it, AUTH_ISSUER and"
            " AUTH_AUDIENCE to your identity provider's (docs/callers.md), or on a developer's"
            f" machine {ENV_PREFIX}AUTH_DEVELOPMENT_KEY=true to sign in with `make token`"
        )
    )


def development_key_exposure(app: Quart, host: str) -> str | None:
    """The warning of a start on `host` that other machines reach, with the development key.

    None on loopback, or with an identity provider.
    """
    if not _signs_in_with_development_key(app) or not beyond_this_machine(host):
        return None
    if development_key_refusal(app) is not None:
        return None  # the start stops, in the refusal's line
    return (
        f"serving on {host}, beyond this machine, with the development key: set AUTH_JWKS_URL"
        " to your identity provider's before others rely on this service (docs/callers.md)"
    )


def beyond_this_machine(host: str) -> bool:
    """Whether a server listening on `host` can be reached from other machines."""
    if host == "localhost":
        return False
    try:
        return not ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return True  # a name, resolved by whoever connects


def _signs_in_with_development_key(app: Quart) -> bool:
    verifier: TokenVerifier = app.extensions[EXTENSION_KEY]
    return isinstance(verifier.source, DevelopmentKeys) and bool(protected_views(app))
