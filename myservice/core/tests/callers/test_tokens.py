"""Bearer tokens checked against real keys: the caller a good one names, why a bad one is refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis.strategies import (
    booleans,
    dictionaries,
    floats,
    integers,
    lists,
    none,
    recursive,
    sampled_from,
    text,
)
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey

from ...callers.settings import ASYMMETRIC
from ...callers.tokens import (
    LONGEST_TOKEN,
    KeysUnavailable,
    TokenRejected,
    TokenVerifier,
)
from ...testing.key_server import KeyServer

ACCEPTED = ["RS256", "ES256"]


def published(server: KeyServer) -> KeySet:
    """The key set `server` serves, as a client of its JWKS URL reads it."""
    return KeySet.import_key_set(json.loads(server.document()))


class Keys:
    """A KeySource holding the set `server` published, refetched only for an unknown key id."""

    def __init__(self, server: KeyServer) -> None:
        self.server = server
        self.held: KeySet | None = published(server)
        self.reads = 0
        self.refetches = 0

    async def current(self) -> KeySet:
        """The set held; KeysUnavailable if none is."""
        self.reads += 1
        if self.held is None:
            raise KeysUnavailable("not fetched yet")
        return self.held

    async def after_unknown_key(self) -> KeySet:
        """The set the server publishes now."""
        self.refetches += 1
        self.held = published(self.server)
        return self.held


@pytest.fixture
def keys(key_server: KeyServer) -> Keys:
    """The key server's keys, as a verifier's source."""
    return Keys(key_server)


def verifier(keys: Keys, leeway: int = 30, accepted: list[str] = ACCEPTED) -> TokenVerifier:
    """A verifier of the key server's tokens, as the service builds it."""
    return TokenVerifier(keys, keys.server.issuer, keys.server.audience, accepted, leeway)


def kid(server: KeyServer) -> str:
    """The key id of the provider's key."""
    return str(server.keys[0].kid)


def now() -> int:
    """The time, as claims give it."""
    return int(time.time())


def encoded(part: Mapping[str, object]) -> str:
    """A JOSE header or claims set, base64url-encoded without padding."""
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def good_claims(server: KeyServer) -> dict[str, object]:
    """A claims set the verifier accepts."""
    return {"iss": server.issuer, "aud": server.audience, "sub": "mallory", "exp": now() + 300}


def unsigned(server: KeyServer) -> str:
    """`alg: none`, with an empty signature."""
    header = {"alg": "none", "kid": kid(server)}
    return f"{encoded(header)}.{encoded(good_claims(server))}."


def confused(server: KeyServer) -> str:
    """HS256 keyed with the provider's public key: the algorithm-confusion attack."""
    signing_input = f"{encoded({'alg': 'HS256'})}.{encoded(good_claims(server))}"
    secret = server.keys[0].as_pem(private=False)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def ps256(server: KeyServer) -> str:
    """Signed with the provider's own key, but with PS256, which ACCEPTED leaves out."""
    header = {"alg": "PS256", "kid": kid(server)}
    return jwt.encode(header, good_claims(server), server.keys[0], algorithms=["PS256"])


def forged(server: KeyServer) -> str:
    """Signed by another key claiming the provider's key id."""
    return server.mint(key=RSAKey.generate_key(2048, parameters={"kid": kid(server)}))


def tampered(server: KeyServer) -> str:
    """A valid token whose claims were replaced after signing."""
    header, _, signature = server.mint("refunds:read").split(".")
    return f"{header}.{encoded({**good_claims(server), 'scope': 'admin'})}.{signature}"


def sized(server: KeyServer, most: int) -> str:
    """The longest valid token of at most `most` characters: `most` or one fewer."""
    padding = (most - len(server.mint(pad=""))) * 3 // 4  # base64: 4 characters per 3 bytes
    while len(server.mint(pad="x" * (padding + 1))) <= most:
        padding += 1
    while len(token := server.mint(pad="x" * padding)) > most:
        padding -= 1
    return token


ALGORITHM = "The token's algorithm (alg) is not one this service accepts."
SIGNATURE = "The token's signature does not verify."
NOT_A_JWT = "The token is not a signed JWT."
# Each kind of bad token, and what the client is told.
REFUSED: dict[str, tuple[Callable[[KeyServer], str], str]] = {
    "expired": (lambda s: s.mint(exp=now() - 120), "The token has expired (exp)."),
    "no sub": (lambda s: s.mint(sub=None), "The token has no sub claim."),
    "no exp": (lambda s: s.mint(exp=None), "The token has no exp claim."),
    "no iss": (lambda s: s.mint(iss=None), "The token has no iss claim."),
    "no aud": (lambda s: s.mint(aud=None), "The token has no aud claim."),
    "wrong issuer": (
        lambda s: s.mint(iss="https://evil.test"),
        "The token's issuer (iss) is not the one this service trusts.",
    ),
    "wrong audience": (
        lambda s: s.mint(aud="another-service"),
        "The token is not meant for this service (aud).",
    ),
    "not valid yet": (lambda s: s.mint(nbf=now() + 120), "The token is not valid yet (nbf)."),
    "issued in the future": (
        lambda s: s.mint(iat=now() + 120),
        "The token says it was issued in the future (iat).",
    ),
    "empty subject": (lambda s: s.mint(subject=""), "The token's sub claim is not valid."),
    "exp not a number": (lambda s: s.mint(exp="soon"), "The token's exp claim is not valid."),
    "nbf not a number": (lambda s: s.mint(nbf="x"), "The token's nbf claim is not valid."),
    "iat not a number": (lambda s: s.mint(iat="x"), "The token's iat claim is not valid."),
    "scp not strings": (
        lambda s: s.mint(scp=["refunds:read", 7]),
        "The token's scope claim is neither a string nor a list of strings.",
    ),
    "alg none": (unsigned, ALGORITHM),
    "HS256 with the public key": (confused, ALGORITHM),
    "an algorithm not accepted": (ps256, ALGORITHM),
    "forged signature": (forged, SIGNATURE),
    "tampered claims": (tampered, SIGNATURE),
    "garbage": (lambda _: "not-a-token", NOT_A_JWT),
    "three parts of nothing": (lambda _: "a.b.c", NOT_A_JWT),
    "encrypted (JWE)": (lambda _: "a.b.c.d.e", NOT_A_JWT),
}


async def test_a_valid_token_names_its_caller(keys: Keys, key_server: KeyServer) -> None:
    """The caller has the token's subject, its space-separated scopes and every claim."""
    token = key_server.mint("refunds:read", "refunds:write", subject="alice", tenant="acme")
    caller = await verifier(keys).verify(token)
    assert caller.subject == "alice"
    assert caller.scopes == frozenset({"refunds:read", "refunds:write"})
    assert caller.claims["tenant"] == "acme"
    assert caller.claims["iss"] == key_server.issuer
    assert caller.claims["scope"] == "refunds:read refunds:write"
    assert (keys.reads, keys.refetches) == (1, 0)


@pytest.mark.parametrize(
    ("claims", "scopes"),
    [
        ({"scp": ["refunds:read", "refunds:write"]}, {"refunds:read", "refunds:write"}),
        ({"scp": "refunds:read  refunds:write"}, {"refunds:read", "refunds:write"}),
        ({"scope": "refunds:read", "scp": ["admin"]}, {"refunds:read"}),
        ({}, set()),
    ],
)
async def test_scopes_come_from_scope_or_scp(
    keys: Keys, key_server: KeyServer, claims: dict[str, Any], scopes: set[str]
) -> None:
    """The `scp` claim, a list or a string, counts as `scope` does; `scope` wins over it."""
    caller = await verifier(keys).verify(key_server.mint(**claims))
    assert caller.scopes == scopes


@pytest.mark.parametrize("name", list(REFUSED))
async def test_a_bad_token_is_rejected_with_its_reason(
    keys: Keys, key_server: KeyServer, name: str
) -> None:
    """Every kind of bad token raises TokenRejected with the reason the client is given."""
    make, reason = REFUSED[name]
    with pytest.raises(TokenRejected) as rejected:
        await verifier(keys).verify(make(key_server))
    assert str(rejected.value) == reason


async def test_the_length_limit(keys: Keys, key_server: KeyServer) -> None:
    """A signed token of up to LONGEST_TOKEN characters passes; a longer one is refused unread."""
    longest = sized(key_server, LONGEST_TOKEN)
    assert len(longest) >= LONGEST_TOKEN - 1
    assert (await verifier(keys).verify(longest)).subject == "tester"
    over = sized(key_server, LONGEST_TOKEN + 2)
    assert len(over) > LONGEST_TOKEN
    with pytest.raises(TokenRejected) as rejected:
        await verifier(keys).verify(over)
    assert str(rejected.value) == NOT_A_JWT
    assert keys.reads == 1  # for the first token only


async def test_an_unknown_key_id_asks_the_source_once(keys: Keys, key_server: KeyServer) -> None:
    """A key id the set lacks takes after_unknown_key once, then is refused for its kid."""
    stranger = RSAKey.generate_key(2048, parameters={"kid": "stranger"})
    with pytest.raises(TokenRejected) as rejected:
        await verifier(keys).verify(key_server.mint(key=stranger))
    assert str(rejected.value) == "The token's key id (kid) is not in the issuer's key set."
    assert keys.refetches == 1


async def test_a_rotated_key_verifies_after_the_refetch(keys: Keys, key_server: KeyServer) -> None:
    """A token signed with a key published after the set was read opens after one refetch."""
    key_server.rotate()
    caller = await verifier(keys).verify(key_server.mint("refunds:read"))
    assert (caller.scopes, keys.refetches) == (frozenset({"refunds:read"}), 1)


async def test_no_keys_yet_is_not_a_rejection(keys: Keys, key_server: KeyServer) -> None:
    """With no key set loaded, a good token raises KeysUnavailable, not TokenRejected."""
    keys.held = None
    with pytest.raises(KeysUnavailable, match=r"^not fetched yet$"):
        await verifier(keys).verify(key_server.mint("refunds:read"))


@pytest.mark.parametrize(("leeway", "passes"), [(30, True), (15, True), (5, False), (0, False)])
@pytest.mark.parametrize("claim", ["exp", "nbf"])
async def test_leeway_allows_clock_skew(
    keys: Keys, key_server: KeyServer, claim: str, leeway: int, passes: bool
) -> None:
    """Expired, or not valid yet, by 10 s: accepted with a leeway of more, refused with less."""
    token = key_server.mint(exp=now() - 10) if claim == "exp" else key_server.mint(nbf=now() + 10)
    if passes:
        assert (await verifier(keys, leeway).verify(token)).subject == "tester"
    else:
        with pytest.raises(TokenRejected) as rejected:
            await verifier(keys, leeway).verify(token)
        assert str(rejected.value) == REFUSED["expired" if claim == "exp" else "not valid yet"][1]


def signing_key(algorithm: str) -> RSAKey | ECKey | OKPKey:
    """A new private key of the type `algorithm` signs with."""
    if algorithm.startswith(("RS", "PS")):
        return RSAKey.generate_key(2048, parameters={"kid": algorithm})
    if algorithm == "Ed448":
        return OKPKey.generate_key("Ed448", parameters={"kid": algorithm})
    if algorithm in {"EdDSA", "Ed25519"}:
        return OKPKey.generate_key("Ed25519", parameters={"kid": algorithm})
    curve = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}[algorithm]
    return ECKey.generate_key(curve, parameters={"kid": algorithm})


@pytest.mark.parametrize("algorithm", sorted(ASYMMETRIC))
@pytest.mark.filterwarnings("ignore:EdDSA is deprecated:joserfc.errors.SecurityWarning")
async def test_every_asymmetric_algorithm_verifies(key_server: KeyServer, algorithm: str) -> None:
    """Each algorithm AUTH_ALGORITHMS may name verifies a token signed with it."""
    key = signing_key(algorithm)
    claims = good_claims(key_server)
    token = jwt.encode({"alg": algorithm, "kid": key.kid}, claims, key, algorithms=[algorithm])
    keys = Keys(key_server)
    keys.held = KeySet([type(key).import_key(key.as_dict(private=False))])
    assert (await verifier(keys, accepted=[algorithm]).verify(token)).subject == "mallory"


@pytest.mark.parametrize("crit", [[1], None, True, [{}]])
async def test_a_header_the_library_trips_on_is_refused_and_logged_once(
    keys: Keys, key_server: KeyServer, crit: object, caplog: pytest.LogCaptureFixture
) -> None:
    """Joserfc raises TypeError for such a `crit`: the client still hears it is no JWT.

    No key or signature is needed to send one, so it must never be a 500. The log says what
    the library raised, once however often it happens, and never quotes the token.
    """
    header = {"alg": "RS256", "kid": kid(key_server), "crit": crit}
    token = f"{encoded(header)}.{encoded({'sub': 'mallory'})}.c2ln"
    checker = verifier(keys)
    for _ in range(3):
        with pytest.raises(TokenRejected, match=f"^{NOT_A_JWT}$"):
            await checker.verify(token)
    [warning] = [record for record in caplog.records if "token library" in record.getMessage()]
    assert "raise TypeError" in warning.getMessage()
    assert token not in caplog.text


JSON = recursive(
    none() | booleans() | integers() | floats() | text(max_size=8),
    lambda children: (
        lists(children, max_size=3) | dictionaries(text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
HEADER_FIELDS = dictionaries(sampled_from(["alg", "kid", "crit", "typ", "b64", "jku", "x5c"]), JSON)


@settings(deadline=None, derandomize=True, database=None)
@given(header=HEADER_FIELDS | JSON, payload=dictionaries(text(max_size=8), JSON) | JSON)
def test_any_header_and_payload_is_a_refusal_never_an_error(
    key_server: KeyServer, header: object, payload: object
) -> None:
    """Whatever JSON a token's header and payload hold, the verifier answers TokenRejected."""
    token = f"{encoded_any(header)}.{encoded_any(payload)}.c2ln"
    with pytest.raises(TokenRejected):
        asyncio.run(verifier(Keys(key_server)).verify(token))


def encoded_any(part: object) -> str:
    """Any JSON value, base64url-encoded without padding, as a token's part."""
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
