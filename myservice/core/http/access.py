"""Who may call each route: every view says, with @public or @requires(scopes); @unlimited too.

    @blueprint.post("/refunds")
    @requires("refunds:write")
    async def create_refund() -> ...:

A route that says neither stops the start, naming it: access is denied by default, never
granted by forgetting. @requires() with no scopes admits any valid token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from quart import Quart

from ..identity import StartupError
from .routes import View

ACCESS_ATTRIBUTE = "access"
UNLIMITED_ATTRIBUTE = "unlimited"
# Methods Quart adds to a route by itself.
IMPLIED = frozenset({"HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Access:
    """A route's rule: open to anyone, or a bearer token carrying every one of `scopes`."""

    public: bool
    scopes: frozenset[str] = frozenset()

    def missing(self, granted: frozenset[str]) -> list[str]:
        """The scopes this route needs that `granted` lacks, in name order."""
        return sorted(self.scopes - granted)


PUBLIC = Access(public=True)


def public(view: View) -> View:
    """Anyone may call this route, with or without a token."""
    setattr(view, ACCESS_ATTRIBUTE, PUBLIC)
    return view


def requires(*scopes: str) -> Callable[[View], View]:
    """Only a caller whose token grants every one of `scopes` may call this route."""
    for scope in scopes:
        if not scope or any(character.isspace() for character in scope):
            raise ValueError(f"a scope is one word without spaces, not {scope!r}")
    access = Access(public=False, scopes=frozenset(scopes))

    def decorator(view: View) -> View:
        setattr(view, ACCESS_ATTRIBUTE, access)
        return view

    return decorator


def unlimited(view: View) -> View:
    """Never rate-limit this route (the probes: a limited probe would restart a healthy pod)."""
    setattr(view, UNLIMITED_ATTRIBUTE, True)
    return view


def is_limited(view: Callable[..., object]) -> bool:
    """Whether RATE_LIMIT applies to `view`."""
    return not getattr(view, UNLIMITED_ATTRIBUTE, False)


def access_of(view: Callable[..., object]) -> Access | None:
    """The rule `view` declares, or None when it declares none."""
    return getattr(view, ACCESS_ATTRIBUTE, None)


def tokens_checked(app: Quart) -> bool:
    """Whether the skeleton's own routes that require a token (log level, audit trail) are served.

    They are with an identity provider, or where the development key is allowed; without
    either, a service whose own routes are all public must start with none of them.
    """
    config = app.config
    return bool(
        config["AUTH_JWKS_URL"]
        or config["AUTH_DEVELOPMENT_KEY"]
        or config["DEBUG"]
        or config["TESTING"]
    )


def undeclared_routes(app: Quart) -> list[str]:
    """Each route whose view declares no rule, as `GET /path (view endpoint)`."""
    return [
        f"{' '.join(sorted(set(rule.methods or ()) - IMPLIED))} {rule.rule} (view {rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if access_of(app.view_functions[rule.endpoint]) is None
    ]


def protected_views(app: Quart) -> list[str]:
    """The endpoints only a token opens."""
    return [
        endpoint
        for endpoint, view in app.view_functions.items()
        if (access := access_of(view)) is not None and not access.public
    ]


def check_declared(app: Quart) -> None:
    """Raise StartupError for a route that does not say who may call it, or that two views serve.

    Of two views on one method and path, the first registered would answer and the other never:
    a team's GET /info beside core's, say.
    """
    undeclared = undeclared_routes(app)
    if undeclared:
        raise StartupError(
            f"{'; '.join(undeclared)}: say who may call it, with @public or"
            ' @requires("scope") from the core package, above its view'
        )
    served: dict[tuple[str, str], str] = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) - IMPLIED):
            first = served.setdefault((method, rule.rule), rule.endpoint)
            if first != rule.endpoint:
                raise StartupError(
                    f"{method} {rule.rule} is served by both {first} and {rule.endpoint};"
                    " only the first would ever answer: give one of them another path"
                )
