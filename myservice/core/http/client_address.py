"""The client's address: the peer's, or what X-Forwarded-For says when a trusted proxy sent it.

Anyone can send X-Forwarded-For, so it counts only when the peer is one of TRUSTED_PROXIES,
and then it is read from the right: the proxies append, so the first address from the right
that is not a trusted proxy is the one the nearest trusted proxy saw. Every line of the header
counts, joined in order as RFC 9110 section 5.3 says: a proxy that adds a line of its own
rather than appending to the client's leaves the client's line first, and forged. A hop may
be written with a port or in brackets (`198.51.100.1:4711`, `[2001:db8::7]:4711`); the client
is its address alone, written one way.

uvicorn's ProxyHeadersMiddleware reads the header by the same rule, but a hop that is no address
(`not-an-address`, `198.51.100.1:port`) becomes its client, and `2001:DB8:0::7` another client
than `2001:db8::7`: one client would have as many rate-limit budgets as spellings. Hence this
reading, which gives such a request its peer. Parsing an address costs microseconds, so a hop's
reading and a trust check are cached; a hop longer than any address is none, and never cached.
"""

from __future__ import annotations

import functools
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the settings table imports this module, and with it no library
    from quart import Quart
    from quart.wrappers.base import BaseRequestWebsocket

Network = IPv4Network | IPv6Network
Networks = tuple[Network, ...]
EXTENSION_KEY = __name__
# The longest hop that can be an address: "[" IPv6 with an IPv4 tail "]:" port is 54 characters.
LONGEST_HOP = 64
CACHED = 4096  # hops and trust checks kept: a client's hostile values can only cycle them


def init_app(app: Quart) -> None:
    """Parse TRUSTED_PROXIES once, for every reader of the client's address."""
    app.extensions[EXTENSION_KEY] = networks(app.config["TRUSTED_PROXIES"])


def trusted_of(app: Quart) -> Networks:
    """The networks of the proxies the app trusts to say who the client is."""
    trusted: Networks = app.extensions[EXTENSION_KEY]
    return trusted


def client_of(request: BaseRequestWebsocket, trusted: Networks) -> str | None:
    """The address of the client of a request or WebSocket, for the rate limit and the log."""
    if not trusted:
        return request.remote_addr
    lines = request.headers.getlist("X-Forwarded-For")
    forwarded = ", ".join(lines) if lines else None
    return client_address(request.remote_addr, forwarded, trusted)


def trusted_proxies(entries: list[str]) -> list[str]:
    """The TRUSTED_PROXIES setting: addresses or networks, such as 10.0.0.0/8 or ::1."""
    networks(entries)
    return entries


def networks(entries: list[str]) -> Networks:
    """The networks a TRUSTED_PROXIES list names; ValueError for an entry that names none."""
    parsed = []
    for entry in entries:
        try:
            parsed.append(ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"holds {entry!r}, which is not an IP address or network such as 10.0.0.0/8"
            ) from None
    return tuple(parsed)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Networks) -> str | None:
    """The client's address, given the peer's, its X-Forwarded-For header and the trusted proxies."""
    if not trusted or forwarded_for is None or not _is_trusted(peer, trusted):
        return peer
    hops = [
        _address_of(hop) if len(hop) <= LONGEST_HOP else None for hop in forwarded_for.split(",")
    ]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop or peer
    return hops[0] or peer


def _is_trusted(address: str | None, trusted: Networks) -> bool:
    if address is None or len(address) > LONGEST_HOP:
        return False
    return _is_trusted_address(address, trusted)


@functools.lru_cache(maxsize=CACHED)
def _is_trusted_address(address: str, trusted: Networks) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


@functools.lru_cache(maxsize=CACHED)
def _address_of(hop: str) -> str | None:
    """The address a hop names, as written alone, in brackets, or with a port; None if none."""
    text = hop.strip()
    if text.startswith("["):
        text, bracket, port = text[1:].partition("]")
        if not bracket or (port and not _is_port(port)):
            return None
    elif text.count(":") == 1:
        text, _, port = text.partition(":")
        if not _is_port(":" + port):
            return None
    try:
        return str(ip_address(text))
    except ValueError:
        return None


def _is_port(text: str) -> bool:
    return text.startswith(":") and text[1:].isascii() and text[1:].isdigit() and len(text) <= 6
