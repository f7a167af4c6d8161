"""The client's address: the peer's, or X-Forwarded-For's when a trusted proxy sent it."""

from __future__ import annotations

import re
from collections.abc import Callable
from ipaddress import ip_network

import pytest

from ...http import client_address as addresses
from ...http.client_address import Networks, client_address, networks, trusted_proxies

TRUSTED = networks(["10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted"),
    [
        ("203.0.113.7", "198.51.100.1", []),  # no proxy trusted
        ("203.0.113.7", "198.51.100.1", TRUSTED),  # the peer is not a trusted proxy
        ("203.0.113.7", "10.0.0.9", TRUSTED),  # a spoofed hop that looks trusted changes nothing
        ("10.0.0.2", None, TRUSTED),  # a trusted proxy that sent no header
        (None, "198.51.100.1", TRUSTED),  # no peer address at all
    ],
)
def test_the_peer_is_the_client_unless_a_trusted_proxy_forwarded(
    peer: str | None, forwarded_for: str | None, trusted: Networks
) -> None:
    """X-Forwarded-For from anyone but a trusted proxy is ignored: the peer's address is used."""
    assert client_address(peer, forwarded_for, trusted) == peer


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("198.51.100.1", "198.51.100.1"),
        ("6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the client may prepend what it likes
        ("6.6.6.6, 198.51.100.1, 10.0.0.3, 10.1.2.3", "198.51.100.1"),  # trusted hops skipped
        (" 198.51.100.1 ,10.0.0.3", "198.51.100.1"),  # spaces around hops
        ("10.0.0.5, 10.0.0.3", "10.0.0.5"),  # every hop trusted: the leftmost
        ("6.6.6.6, not-an-address, 10.0.0.3", "10.0.0.2"),  # the hop to use is garbage: the peer
        ("198.51.100.1:4711", "198.51.100.1"),  # with the client's port: the address
        ("198.51.100.1:4711, 10.0.0.3:443", "198.51.100.1"),  # proxies written with ports
        ("[2001:db8::7]", "2001:db8::7"),  # IPv6 in brackets
        ("[2001:db8::7]:4711, 10.0.0.3", "2001:db8::7"),  # and with a port
        ("2001:DB8:0::7", "2001:db8::7"),  # written another way: one client, one budget
        ("[2001:db8::7, 10.0.0.3", "10.0.0.2"),  # a bracket left open: garbage
        ("198.51.100.1:port", "10.0.0.2"),  # a port that is no port: garbage
        ("", "10.0.0.2"),  # an empty header
        ("2001:db8::7, 10.0.0.3", "2001:db8::7"),  # an IPv6 client behind IPv4 proxies
        ("0" * 60 + "198.51.100.1, 10.0.0.3", "10.0.0.2"),  # longer than any address: garbage
    ],
)
def test_a_trusted_proxy_is_read_from_the_right(forwarded_for: str, client: str) -> None:
    """From a trusted peer, the client is the rightmost hop that is not a trusted proxy.

    A hop may carry a port (`ip:port`, `[v6]:port`) or brackets, as proxies write them: the
    client is its address alone, so that such clients do not share their proxy's budget.
    """
    assert client_address("10.0.0.2", forwarded_for, TRUSTED) == client


def test_ipv6_proxies_are_trusted_as_ipv4_ones_are() -> None:
    """An IPv6 peer in TRUSTED_PROXIES forwards; IPv6 hops are skipped or chosen alike."""
    trusted = networks(["2001:db8:1::/48", "::1"])
    assert client_address("::1", "2001:db8::7, 2001:db8:1::9", trusted) == "2001:db8::7"
    assert client_address("2001:db8:1::2", "::1", trusted) == "::1"
    assert client_address("2001:db8:2::2", "198.51.100.1", trusted) == "2001:db8:2::2"


def test_the_setting_keeps_addresses_and_networks() -> None:
    """TRUSTED_PROXIES accepts networks and single addresses of both families, as written."""
    entries = ["10.0.0.0/8", "::1", "127.0.0.1"]
    assert trusted_proxies(entries) == entries
    assert networks(entries) == (
        ip_network("10.0.0.0/8"),
        ip_network("::1/128"),
        ip_network("127.0.0.1/32"),
    )


def test_host_bits_in_a_network_are_forgiven() -> None:
    """10.1.2.3/8 means 10.0.0.0/8, not an error."""
    assert networks(["10.1.2.3/8"]) == (ip_network("10.0.0.0/8"),)


@pytest.mark.parametrize("check", [trusted_proxies, networks])
@pytest.mark.parametrize("entry", ["not-an-ip", "10.0.0.0/33", "10.0.0"])
def test_an_entry_that_is_no_address_is_refused(
    check: Callable[[object], object], entry: str
) -> None:
    """Both checks refuse an entry naming no address or network, quoting it."""
    message = f"holds {entry!r}, which is not an IP address or network such as 10.0.0.0/8"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check(["127.0.0.1", entry])


def test_hostile_hops_never_grow_the_caches_past_their_bound() -> None:
    """Each request may bring new hops; the caches keep CACHED of them, and no long one."""
    for number in range(addresses.CACHED + 100):
        forwarded = f"198.51.{number // 256 % 256}.{number % 256}, {'x' * 10_000}, 10.0.0.3"
        assert client_address("10.0.0.2", forwarded, TRUSTED) == "10.0.0.2"
    for cached in (addresses._address_of, addresses._is_trusted_address):
        assert cached.cache_info().currsize <= addresses.CACHED
