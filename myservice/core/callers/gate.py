"""The gate every routed request passes before its view: the token, the rate limit, the scopes.

In that order, so that the rate limit knows the caller, and so that a caller sending bad tokens
is limited by its address as anyone is. Preflights (OPTIONS answered by Quart itself) and
unrouted requests (404, 405) do not reach the gate.
"""

from __future__ import annotations

from ipaddress import IPv6Address, ip_address, ip_network
from typing import cast

from quart import Quart, Request, Response
from quart.typing import ResponseTypes

from ..http.access import Access, access_of, is_limited
from ..http.client_address import Networks, client_of, trusted_of
from ..http.layers import Answer
from ..http.problems import problem_response
from ..http.request import JSONRequest, ServiceWebsocket
from . import auth
from .rate_limit import RateLimited, RateLimiter

# A route added after the start-up check and declaring nothing: denied by default, as any
# route that needs a token.
UNDECLARED = Access(public=False)
EXTENSION_KEY = __name__
# The prefix an IPv6 client is counted by (RFC 7421: one host, one /64).
IPV6_CLIENT_PREFIX = 64


def init_app(app: Quart) -> None:
    """The app's gate, rate-limiting when RATE_LIMIT is set; 429s answered as problems."""
    config = app.config
    limiter = None
    if config["RATE_LIMIT"] is not None:
        limiter = RateLimiter(config["RATE_LIMIT"], config["RATE_LIMIT_STORAGE"], app.logger)
        app.after_serving(limiter.close)
    gate = Gate(app, limiter, trusted_of(app))
    app.extensions[EXTENSION_KEY] = gate

    async def too_many_requests(limited: RateLimited) -> Response:
        headers = [("Retry-After", str(limited.retry_after))]
        if limiter is not None:
            headers += limiter.headers((0, limited.retry_after))
        detail = (
            f"Over the rate limit of {config['RATE_LIMIT']}; try again in {limited.retry_after} s."
        )
        return problem_response(429, "Too Many Requests", detail, headers)

    app.register_error_handler(RateLimited, too_many_requests)


def rate_limit_headers(answer: Answer, app: Quart) -> Answer:
    """The link that tells each caller the gate counted where it stands, if there is a limit."""
    limiter = app.extensions[EXTENSION_KEY].limiter
    if limiter is None:
        return answer

    async def with_standing(request: Request) -> ResponseTypes:
        response = await answer(request)
        standing = cast(JSONRequest, request).rate_limit
        if standing is not None:
            response.headers.extend(limiter.headers(standing))
        return response

    return with_standing


class Gate:
    """What a request must show to reach its view, route by route."""

    def __init__(self, app: Quart, limiter: RateLimiter | None, trusted: Networks) -> None:
        """Check the routes of `app`; rate-limit with `limiter` when there is one."""
        self._app = app
        self._views = app.view_functions
        self._rules: dict[str, tuple[Access, bool]] = {}
        self.limiter = limiter
        self._trusted = trusted

    async def admit(self, request: JSONRequest | ServiceWebsocket, endpoint: str) -> None:
        """Let the request through to `endpoint`'s view, or raise the refusal it gets."""
        rule = self._rules.get(endpoint)
        if rule is None:
            rule = self._rules[endpoint] = self._rule_of(endpoint)
        access, limited = rule
        limiter = self.limiter if limited else None
        if access.public:
            if limiter is not None:
                request.rate_limit = await limiter.hit(self.client_key(request))
            return
        try:
            caller = await auth.authenticate(self._app, request)
        except auth.Refused:
            if limiter is not None:
                await limiter.hit(self.client_key(request))
            raise
        request.caller = caller
        if limiter is not None:
            request.rate_limit = await limiter.hit(f"subject:{caller.subject}")
        missing = access.missing(caller.scopes)
        if missing:
            raise auth.refuse_scopes(missing)

    def client_key(self, request: JSONRequest | ServiceWebsocket) -> str:
        """The rate limit's key for a caller known only by its address."""
        return f"address:{address_key(client_of(request, self._trusted))}"

    def _rule_of(self, endpoint: str) -> tuple[Access, bool]:
        view = self._views[endpoint]
        return access_of(view) or UNDECLARED, is_limited(view)


def address_key(address: str | None) -> str | None:
    """The part of an address that names one client: all of an IPv4 one, an IPv6 one's /64.

    A single IPv6 host is usually given a whole /64 (RFC 7421): keyed by its full address, one
    client would have 2**64 budgets.
    """
    try:
        parsed = ip_address(address or "")
    except ValueError:
        return address
    if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is None:
        return str(ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(parsed.ipv4_mapped if isinstance(parsed, IPv6Address) else parsed)
