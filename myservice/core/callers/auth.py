"""Authentication: the bearer token of a request to a protected route, as RFC 6750 says.

No token: 401 with `WWW-Authenticate: Bearer`. A token that does not verify: 401 with
`error="invalid_token"` and the reason. A valid token without a scope the route requires: 403
with `error="insufficient_scope"`. No key set loaded yet: 503 with Retry-After. Each answer is a
problem document whose `error` member repeats the code.

The keys come from AUTH_JWKS_URL, or with none from the development key (development_key.py),
which `quart token` (`make token`) signs with.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click
from quart import Quart, Response, has_websocket_context, request, websocket
from quart.cli import ScriptInfo, pass_script_info

from ..http.caller import Caller
from ..http.problems import problem_response, title_of
from ..http.readiness import add_readiness_check
from ..http.request import JSONRequest, ServiceWebsocket
from ..identity import SERVICE, StartupError
from .development_key import AUDIENCE, ISSUER, DevelopmentKeys, development_key, mint_token
from .key_sets import RemoteKeySet
from .tokens import KeysUnavailable, TokenRejected, TokenVerifier

EXTENSION_KEY = __name__


class Refused(Exception):  # noqa: N818 (an answer, not a failure)
    """A request the gate turns away: its status, detail, RFC 6750 error code and headers.

    `scope` names the scopes a 403 lacks, for its challenge.
    """

    def __init__(
        self,
        status: int,
        detail: str,
        error: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        scope: str | None = None,
    ) -> None:
        """A refusal with `status`; `error` is the code for WWW-Authenticate and the body."""
        super().__init__(detail)
        self.status, self.detail, self.error, self.scope = status, detail, error, scope
        self.headers = headers or []


def init_app(app: Quart) -> None:
    """Choose the key source from the settings, and answer refusals as problem documents."""
    config = app.config
    url = config["AUTH_JWKS_URL"]
    source: RemoteKeySet | DevelopmentKeys
    if url is None:
        source = DevelopmentKeys(Path.cwd())
        issuer, audience = config["AUTH_ISSUER"] or ISSUER, config["AUTH_AUDIENCE"] or AUDIENCE
    else:
        if not (config["AUTH_ISSUER"] and config["AUTH_AUDIENCE"]):
            raise StartupError(
                "AUTH_JWKS_URL is set, so AUTH_ISSUER and AUTH_AUDIENCE must be too: the"
                " identity provider's issuer and this service's name in its tokens"
            )
        source = RemoteKeySet(
            url, config["AUTH_JWKS_REFRESH"], config["AUTH_JWKS_COOLDOWN"], app.logger
        )
        issuer, audience = config["AUTH_ISSUER"], config["AUTH_AUDIENCE"]
        add_readiness_check(app, "auth_keys", source.ready)
        app.before_serving(source.open)
        app.after_serving(source.close)
    app.extensions[EXTENSION_KEY] = TokenVerifier(
        source, issuer, audience, config["AUTH_ALGORITHMS"], config["AUTH_LEEWAY"]
    )
    app.register_error_handler(Refused, refusal_response)
    app.cli.add_command(token_command)


async def authenticate(app: Quart, raw_request: JSONRequest | ServiceWebsocket) -> Caller:
    """The caller the request's bearer token speaks for; Refused when there is none."""
    verifier: TokenVerifier = app.extensions[EXTENSION_KEY]
    scheme, _, token = raw_request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Refused(401, "This route needs a bearer token in the Authorization header.")
    try:
        return await verifier.verify(token)
    except TokenRejected as rejected:
        raise Refused(401, str(rejected), "invalid_token") from None
    except KeysUnavailable:
        retry = cast(RemoteKeySet, verifier.source).retry_after()
        raise Refused(
            503,
            "The identity provider's keys have not loaded yet; no token can be checked.",
            headers=[("Retry-After", str(retry))],
        ) from None


def refuse_scopes(missing: list[str]) -> Refused:
    """The 403 for a valid token that lacks the scopes `missing`."""
    detail = f"The token does not grant {', '.join(missing)}."
    return Refused(403, detail, "insufficient_scope", scope=" ".join(missing))


async def refusal_response(refused: Refused) -> Response:
    """The problem document for a refusal, with its WWW-Authenticate challenge where one is due."""
    headers = list(refused.headers)
    if refused.status in (401, 403):
        challenge = f'Bearer realm="{SERVICE}"'
        if refused.error is not None:
            challenge += f', error="{refused.error}", error_description="{refused.detail}"'
        if refused.scope:
            challenge += f', scope="{refused.scope}"'
        headers.append(("WWW-Authenticate", challenge))
    extra = {"error": refused.error} if refused.error else None
    return problem_response(
        refused.status, title_of(refused.status), refused.detail, headers, extra
    )


def current_caller() -> Caller | None:
    """Who sent the request, or opened the WebSocket, when its route requires a token; else None."""
    if has_websocket_context():
        return cast(ServiceWebsocket, websocket).caller
    return cast(JSONRequest, request).caller


def required_caller() -> Caller:
    """The caller of a route under @requires, where there always is one: typed without None.

    In a @public route nobody need have signed in: calling it there is a mistake of the code,
    a LookupError (and a 500), never a caller made up.
    """
    caller = current_caller()
    if caller is None:
        raise LookupError("required_caller() is for routes under @requires; use current_caller()")
    return caller


@click.command("token")
@click.option(
    "--scopes", default="", help='The scopes to grant, separated by spaces: "a:read a:write".'
)
@click.option("--subject", default="developer", show_default=True, help="Who the token speaks for.")
@click.option("--lifetime", default=3600, show_default=True, help="Seconds until it expires.")
@pass_script_info
def token_command(info: ScriptInfo, scopes: str, subject: str, lifetime: int) -> None:
    """Print a token signed with the development key, which `make run` serves with (docs/callers.md)."""
    app = info.load_app()
    verifier: TokenVerifier = app.extensions[EXTENSION_KEY]
    if not isinstance(verifier.source, DevelopmentKeys):
        raise click.ClickException(
            "AUTH_JWKS_URL is set: tokens come from that identity provider, not from this command"
        )
    key = development_key(verifier.source.directory)
    click.echo(
        mint_token(
            key,
            scopes.split(),
            subject=subject,
            issuer=verifier.issuer,
            audience=verifier.audience,
            lifetime=lifetime,
        )
    )
