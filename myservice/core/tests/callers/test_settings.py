"""The callers' settings: each check refuses what the service cannot use, saying why."""

from __future__ import annotations

import re

import pytest

from ...callers.settings import algorithms, jwks_url, origins, rate_limit, storage_url

APP_ORIGIN = "https://app.example.com"
ONLY_ASYMMETRIC = (
    "accepts asymmetric algorithms only"
    " (ES256, ES384, ES512, Ed25519, Ed448, EdDSA, PS256, PS384, PS512, RS256, RS384, RS512)"
)


@pytest.mark.parametrize(
    "entry", ["https://app.example.com/", "app.example.com", "ftp://files.example.com", "https://"]
)
def test_an_origin_is_a_scheme_a_host_and_a_port(entry: str) -> None:
    """A path, a trailing slash, a missing scheme or host: refused, with an example."""
    with pytest.raises(
        ValueError, match=r"which is not an origin such as https://app\.example\.com"
    ):
        origins([entry])


def test_a_star_goes_alone() -> None:
    """A star beside other origins is refused: it already allows them all."""
    with pytest.raises(ValueError, match='holds "\\*" and other origins'):
        origins(["*", APP_ORIGIN])
    assert origins([APP_ORIGIN, "http://localhost:3000"]) == [APP_ORIGIN, "http://localhost:3000"]


@pytest.mark.parametrize("value", ["100/minute", "10 per second", "5/hour"])
def test_rate_limit_takes_the_rates_limits_parses(value: str) -> None:
    """RATE_LIMIT accepts what the `limits` library reads as a rate."""
    assert rate_limit(value) == value


@pytest.mark.parametrize("value", ["lots", "100", "100/fortnight"])
def test_rate_limit_refuses_what_is_not_a_rate(value: str) -> None:
    """A RATE_LIMIT that is not a rate is refused, with an example of one."""
    with pytest.raises(ValueError, match="is not a rate such as 100/minute"):
        rate_limit(value)


def test_the_store_is_memory_or_redis() -> None:
    """RATE_LIMIT_STORAGE: memory://, redis:// or rediss://; anything else is refused."""
    assert storage_url("memory://") == "memory://"
    assert storage_url("rediss://cache:6380/1") == "rediss://cache:6380/1"
    with pytest.raises(ValueError, match="must be memory:// or a Redis URL"):
        storage_url("memcached://cache:11211")


@pytest.mark.parametrize(
    "url", ["https://idp.example/.well-known/jwks.json", "http://127.0.0.1:8080/jwks.json"]
)
def test_a_jwks_url_is_an_http_or_https_url(url: str) -> None:
    """AUTH_JWKS_URL keeps an https URL, or a plain http one for a provider on loopback."""
    assert jwks_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://idp.example/jwks.json",
        "idp.example/jwks.json",
        "",
        "http://idp.example/jwks.json",
        "https:///jwks.json",
    ],
)
def test_a_jwks_url_of_another_kind_is_refused(url: str) -> None:
    """Anything but https is refused (plain http to another machine lets the keys be swapped)."""
    expected = "must be the identity provider's https:// URL of its key set (JWKS)"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        jwks_url(url)


@pytest.mark.parametrize("names", [["RS256"], ["ES256", "EdDSA", "PS512"]])
def test_asymmetric_algorithms_are_accepted(names: list[str]) -> None:
    """AUTH_ALGORITHMS keeps a list of asymmetric algorithms as given."""
    assert algorithms(names) == names


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        (["HS256"], ", not ['HS256']"),
        (["none"], ", not ['none']"),
        (["RS256", "HS512", "none"], ", not ['HS512', 'none']"),
        (["rs256"], ", not ['rs256']"),
        ([], ": name at least one"),
    ],
)
def test_other_algorithms_are_refused(value: list[str], refused: str) -> None:
    """Shared-secret algorithms, `none` or an empty list: refused, naming the culprits."""
    with pytest.raises(ValueError, match=f"^{re.escape(ONLY_ASYMMETRIC + refused)}$"):
        algorithms(value)
