"""A token endpoint for development: client credentials answered with the development key.

Two copies of the service under `make run`, each with a downstream that is the other, call each
other's protected routes with a token of their own (downstreams' `auth`), and so need a token
endpoint, as in production. With the development key allowed (AUTH_DEVELOPMENT_KEY, which
`make run` sets) and no AUTH_JWKS_URL, the service answers POST /development/token itself, with
a token of its own development key for the scopes asked and the client id as subject: what
`make token` prints, no more. It answers only requests made straight from this machine (no
proxy, a loopback Host), takes any client secret
(there is no client list to check it against), is missing from the OpenAPI document, and is
never served with an identity provider, so that a deployed service has no such endpoint.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import cast
from urllib.parse import unquote_plus, urlsplit

from quart import Blueprint, Quart, Response, current_app, jsonify, request
from quart_schema import hide

from ..http.access import public
from ..http.problems import problem_response, title_of
from .auth import EXTENSION_KEY
from .development_key import DevelopmentKeys, development_key, mint_token
from .development_serving import beyond_this_machine
from .tokens import TokenVerifier

PATH = "/development/token"
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")
LIFETIME = 3600
# The name starts with _, which no module of views/ can have: it cannot clash with a team's.
blueprint = Blueprint("_development_tokens", __name__)


def init_app(app: Quart) -> None:
    """Serve the endpoint when the development key is allowed and no provider is set."""
    if app.config["AUTH_DEVELOPMENT_KEY"] and app.config["AUTH_JWKS_URL"] is None:
        app.register_blueprint(blueprint)


@blueprint.post(PATH)
@hide
@public
async def development_token() -> Response:
    """A token of the development key for the client's scopes: RFC 6749's client credentials."""
    if not _from_this_machine():
        return _error(403, "unauthorized_client", "Development tokens go to this machine only.")
    form = await request.form
    if form.get("grant_type") != "client_credentials":
        return _error(400, "unsupported_grant_type", "Only client_credentials is granted here.")
    client_id, _ = client_credentials(request.headers.get("Authorization"), form)
    if not client_id:
        return _error(401, "invalid_client", "Name the client, in Basic credentials or client_id.")
    verifier = cast(TokenVerifier, current_app.extensions[EXTENSION_KEY])
    key = development_key(cast(DevelopmentKeys, verifier.source).directory)
    scopes = form.get("scope", "").split()
    token = mint_token(
        key,
        scopes,
        subject=client_id,
        issuer=verifier.issuer,
        audience=verifier.audience,
        lifetime=LIFETIME,
    )
    kind = "Bearer"
    answer = {"access_token": token, "token_type": kind, "expires_in": LIFETIME}
    return jsonify({**answer, "scope": " ".join(scopes)})


def _from_this_machine() -> bool:
    """Whether the request came straight from this machine.

    Its peer is loopback; it has no proxy's forwarding headers (a proxy or a tunnel on this
    machine relays others' requests); its Host is loopback (a page elsewhere whose name is made
    to point here, DNS rebinding, sends its own name).
    """
    client = request.scope.get("client")
    if not client or beyond_this_machine(client[0]):
        return False
    if any(name in request.headers for name in PROXY_HEADERS):
        return False
    return not beyond_this_machine(urlsplit(f"//{request.headers.get('Host', '')}").hostname or "")


def client_credentials(authorization: str | None, form: Mapping[str, str]) -> tuple[str, str]:
    """A client's id and secret, empty where there are none whole.

    From its Basic credentials, each form-decoded (RFC 6749 section 2.3.1), or the form's.
    """
    if authorization is None:
        return form.get("client_id", ""), form.get("client_secret", "")
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return unquote_plus(user), unquote_plus(password)


def _error(status: int, code: str, detail: str) -> Response:
    """RFC 6749 section 5.2's error, in a problem document like every other refusal."""
    return problem_response(status, title_of(status), detail, [], {"error": code})
