"""The provider's keys: fetched at start, refetched once for rotated keys, kept through outages."""

from __future__ import annotations

import asyncio
import datetime
import io
import ipaddress
import json
import logging
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from joserfc.jwk import ECKey, RSAKey
from quart import Blueprint, Quart
from quart.typing import TestClientProtocol as Client

from ...callers import key_sets
from ...callers.key_sets import LARGEST_KEY_SET, signing_keys
from ...http.access import requires
from ...observability import logs
from ...testing.key_server import KeyServer
from ..plumbing import create_app


def protected_app(server: KeyServer, **settings: object) -> Quart:
    """The plumbing with one protected route, its keys from `server`."""
    app = create_app({"TESTING": True, **server.settings(), **settings})
    blueprint = Blueprint("_protected", __name__)

    @blueprint.get("/refunds")
    @requires("refunds:read")
    async def refunds() -> dict[str, bool]:
        return {"read": True}

    app.register_blueprint(blueprint)
    return app


@pytest.fixture
async def client(key_server: KeyServer, database_url: str) -> AsyncIterator[Client]:
    """A client of the protected app, on a migrated database, once its first key set loaded."""
    app = protected_app(key_server, DATABASE_URL=database_url)
    async with app.test_app():
        client = app.test_client()
        assert (await client.get("/readyz")).status_code == 200
        yield client


def bearer(token: str) -> dict[str, str]:
    """The Authorization header carrying `token`."""
    return {"Authorization": f"Bearer {token}"}


async def status_with(client: Client, token: str) -> int:
    """The status GET /refunds answers with `token`."""
    return (await client.get("/refunds", headers=bearer(token))).status_code


async def test_the_key_set_is_fetched_once_at_start(client: Client, key_server: KeyServer) -> None:
    """Tokens are checked against the set loaded at start; requests do not refetch it."""
    for _ in range(5):
        assert await status_with(client, key_server.mint("refunds:read")) == 200
    assert key_server.fetches == 1


async def test_rotated_keys_work_without_a_restart(client: Client, key_server: KeyServer) -> None:
    """After the provider rotates, a token with the new key id makes one fetch and opens."""
    old = key_server.mint("refunds:read")
    key_server.rotate()
    assert await status_with(client, key_server.mint("refunds:read")) == 200
    assert key_server.fetches == 2
    assert await status_with(client, old) == 401  # the provider withdrew the old key


async def test_unknown_key_ids_share_one_fetch(client: Client, key_server: KeyServer) -> None:
    """Fifty requests at once with unknown key ids: one fetch between them, then none (cooldown)."""
    strangers = [RSAKey.generate_key(2048, parameters={"kid": f"forged-{n}"}) for n in range(5)]
    tokens = [key_server.mint("refunds:read", key=strangers[n % 5]) for n in range(50)]
    statuses = await asyncio.gather(*(status_with(client, token) for token in tokens))
    assert set(statuses) == {401}
    assert key_server.fetches == 2
    assert await status_with(client, tokens[0]) == 401
    assert key_server.fetches == 2


async def test_a_failed_fetch_keeps_the_last_good_set(
    client: Client, key_server: KeyServer
) -> None:
    """With the provider failing, then gone, tokens signed with the keys held still open."""
    token = key_server.mint("refunds:read")
    key_server.status = 500
    stranger = RSAKey.generate_key(2048, parameters={"kid": "unknown"})
    assert await status_with(client, key_server.mint(key=stranger)) == 401  # refetch, 500
    key_server.stop()
    assert await status_with(client, token) == 200
    assert (await client.get("/readyz")).status_code == 200


async def test_the_set_is_refreshed_in_the_background(key_server: KeyServer) -> None:
    """Past AUTH_JWKS_REFRESH, a request is answered at once and starts a refresh."""
    app = protected_app(key_server, AUTH_JWKS_REFRESH=1)
    async with app.test_app():
        client = app.test_client()
        assert await status_with(client, key_server.mint("refunds:read")) == 200
        await asyncio.sleep(1.1)
        assert await status_with(client, key_server.mint("refunds:read")) == 200
        for _ in range(50):
            if key_server.fetches == 2:
                break
            await asyncio.sleep(0.02)
        assert key_server.fetches == 2


async def test_no_key_set_yet_is_503_and_not_ready(
    key_server: KeyServer, database_url: str
) -> None:
    """Provider down at start: /readyz says why, a token gets 503 with Retry-After, not 401."""
    key_server.stop()
    app = protected_app(key_server, AUTH_JWKS_COOLDOWN=1, DATABASE_URL=database_url)
    async with app.test_app():
        client = app.test_client()
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        body = await ready.get_json()
        assert body["failing"] == ["auth_keys"]
        assert body["checks"]["auth_keys"].startswith("failed: no key set has loaded")
        response = await client.get("/refunds", headers=bearer(key_server.mint("refunds:read")))
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert (await client.get("/refunds")).status_code == 401  # no token: still 401
        key_server.start()
        await asyncio.sleep(1.1)  # the cooldown
        assert (await client.get("/readyz")).status_code == 200
        assert await status_with(client, key_server.mint("refunds:read")) == 200


def test_signing_keys_keeps_signature_keys_only() -> None:
    """Encryption keys and keys of unknown types are left out; the rest are kept."""
    signing = ECKey.generate_key("P-256", parameters={"kid": "sig"}).as_dict(private=False)
    encrypting = {**signing, "kid": "enc", "use": "enc"}
    unknown = {"kty": "XYZ", "kid": "odd"}
    keys = signing_keys(json.dumps({"keys": [signing, encrypting, unknown, "junk"]}).encode())
    assert [key.kid for key in keys] == ["sig"]


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"<html>", "not JSON"),
        (b"[]", 'no "keys" list'),
        (b'{"keys": "none"}', 'no "keys" list'),
        (b'{"keys": [{"kty": "oct", "k": "c2VjcmV0", "use": "enc"}]}', "no signing key"),
    ],
)
def test_a_document_that_is_no_key_set_is_refused(document: bytes, reason: str) -> None:
    """What is not a key set with a signing key raises ValueError saying so."""
    with pytest.raises(ValueError, match=reason):
        signing_keys(document)


async def test_a_failing_provider_is_asked_once_per_cooldown(key_server: KeyServer) -> None:
    """Past AUTH_JWKS_REFRESH with the provider failing, requests do not each start a fetch."""
    app = protected_app(key_server, AUTH_JWKS_REFRESH=1, AUTH_JWKS_COOLDOWN=30)
    async with app.test_app():
        client = app.test_client()
        assert await status_with(client, key_server.mint("refunds:read")) == 200
        key_server.status = 500
        await asyncio.sleep(1.1)
        for n in range(100):
            # A token of its own each, as many callers send: none is verified already.
            token = key_server.mint("refunds:read", jti=str(n))
            assert await status_with(client, token) == 200  # the keys held still verify
            await asyncio.sleep(0.005)
        assert key_server.fetches == 2  # the first, and one refresh that failed


async def test_a_redirect_is_not_followed(key_server: KeyServer) -> None:
    """A key set is what the JWKS URL answers with a 200: a redirect fails the fetch, unfollowed."""
    key_server.status = 302
    app = protected_app(key_server, AUTH_JWKS_COOLDOWN=60)
    async with app.test_app():
        ready = await app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert "HTTP 302" in (await ready.get_json())["checks"]["auth_keys"]
    assert key_server.fetches == 1


async def test_a_provider_that_crawls_is_given_up_on_in_time(
    key_server: KeyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key set sent a few bytes at a time fails the fetch at FETCH_TIMEOUT, whatever its pace."""
    monkeypatch.setattr(key_sets, "FETCH_TIMEOUT", 1.0)
    key_server.padding, key_server.drip = 2048, 0.1  # each read is quick, the whole takes 4 s
    logged = io.StringIO()
    app = protected_app(key_server, AUTH_JWKS_COOLDOWN=60)
    logs.init_app(app, logged)
    started = time.monotonic()
    async with app.test_app():
        token = key_server.mint("refunds:read")
        response = await app.test_client().get("/refunds", headers=bearer(token))
    assert response.status_code == 503
    assert time.monotonic() - started < 3
    assert "no whole answer within 1 s" in logged.getvalue()


async def test_an_oversized_key_set_is_refused_without_reading_it_all(
    key_server: KeyServer,
) -> None:
    """Past LARGEST_KEY_SET the fetch stops, whatever Content-Length said, and keys nothing."""
    key_server.padding = 8 * LARGEST_KEY_SET
    logged = io.StringIO()
    app = protected_app(key_server)
    logs.init_app(app, logged)
    async with app.test_app():
        token = key_server.mint("refunds:read")
        response = await app.test_client().get("/refunds", headers=bearer(token))
    assert response.status_code == 503
    assert f"the key set is larger than {LARGEST_KEY_SET} bytes" in logged.getvalue()
    assert key_server.whole_answers == 0


def test_a_published_symmetric_key_is_never_used_and_said_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An `oct` key in a public key set is a leaked secret: left out, with a warning."""
    signing = ECKey.generate_key("P-256", parameters={"kid": "sig"}).as_dict(private=False)
    secret = {"kty": "oct", "kid": "shared", "k": "c2VjcmV0LXNpZ25pbmcta2V5LWhlcmU"}
    document = json.dumps({"keys": [signing, secret]}).encode()
    keys = signing_keys(document, logging.getLogger("test"))
    assert [str(key.kid) for key in keys] == ["sig"]
    assert "symmetric (oct) key, kid 'shared'" in caplog.text


async def test_a_provider_whose_certificate_is_not_trusted_gives_no_keys(
    key_server: KeyServer, tmp_path: Path
) -> None:
    """The JWKS URL's certificate is verified: one signed by no trusted authority is refused."""
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(*self_signed(tmp_path))
    server = await asyncio.start_server(
        lambda _reader, writer: writer.close(), "127.0.0.1", 0, ssl=tls
    )
    port = server.sockets[0].getsockname()[1]
    app = protected_app(key_server, AUTH_JWKS_URL=f"https://127.0.0.1:{port}/jwks")
    async with server, app.test_app():
        ready = await app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert "CERTIFICATE_VERIFY_FAILED" in (await ready.get_json())["checks"]["auth_keys"]


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that signs itself, and its key: files in `directory`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder(subject_name=name, issuer_name=name, public_key=key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file
