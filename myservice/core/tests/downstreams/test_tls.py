"""TLS to a downstream: an internal CA trusted, a client certificate presented, bad files refused.

The downstream is an HTTPS server on 127.0.0.1 whose certificate comes from a CA made here; it
answers with the subject CN of the client certificate it was shown, if any.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Protocol

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from quart.testing.app import LifespanError

from ...identity import StartupError
from ...testing.quiet_server import QuietHTTPServer
from ..calling import calling_app


class Serve(Protocol):
    """The `serve` fixture."""

    def __call__(self, mutual: bool = False) -> str:
        """Start an HTTPS server, one requiring a client certificate if `mutual`; its URL."""


@dataclass(frozen=True)
class Files:
    """The PEM files of a test: the CA, the server's, and the client's ("orders")."""

    ca: Path
    server: Path
    client_cert: Path
    client_key: Path
    client_both: Path


async def called(url: str, **entry: object) -> tuple[int, dict[str, Any]]:
    """The status and body the client gets from /call/whoami, through downstream `stub`."""
    app = calling_app(url, retries=0, **entry)
    async with app.test_app():
        response = await app.test_client().get("/call/whoami")
        return response.status_code, await response.get_json()


async def test_a_certificate_of_an_unknown_ca_is_a_502_saying_so(serve: Serve) -> None:
    """No tls: the server's certificate is not trusted, and the 502 says so."""
    status, body = await called(serve())
    assert (status, body["downstream"]) == (502, "stub")
    assert body["detail"] == "stub's certificate is not trusted (its tls ca_path?)."


async def test_the_internal_ca_is_trusted(serve: Serve, files: Files) -> None:
    """With ca_path, the server's certificate is trusted; no client certificate is shown."""
    status, body = await called(serve(), tls={"ca_path": str(files.ca)})
    assert (status, body) == (200, {"status": 200, "body": {"client": None}})


async def test_a_server_asking_for_a_certificate_refuses_a_call_without(
    serve: Serve, files: Files
) -> None:
    """Mutual TLS, only ca_path: the server refuses after the handshake, heard as a drop: 502."""
    status, body = await called(serve(mutual=True), tls={"ca_path": str(files.ca)})
    assert (status, body["downstream"]) == (502, "stub")
    assert body["detail"] == "stub dropped the connection."


@pytest.mark.parametrize("together", [False, True])
async def test_the_client_certificate_is_shown(serve: Serve, files: Files, together: bool) -> None:
    """Mutual TLS: cert_path and key_path, or both in cert_path; the server sees "orders"."""
    ca = str(files.ca)
    tls = (
        {"ca_path": ca, "cert_path": str(files.client_both)}
        if together
        else {"ca_path": ca, "cert_path": str(files.client_cert), "key_path": str(files.client_key)}
    )
    status, body = await called(serve(mutual=True), tls=tls)
    assert (status, body) == (200, {"status": 200, "body": {"client": "orders"}})


@pytest.mark.parametrize(
    ("field", "content", "reason"),
    [
        ("ca_path", None, "No such file or directory"),
        ("ca_path", b"not a certificate\n", "NO_CERTIFICATE_OR_CRL_FOUND"),
        (
            "cert_path",
            b"not a certificate\n",
            "not PEM, an encrypted key, or no key for the certificate",
        ),
    ],
)
async def test_a_file_missing_or_wrong_stops_the_start(
    tmp_path: Path, field: str, content: bytes | None, reason: str
) -> None:
    """Serving does not start: a StartupError, one line naming the downstream, file and why."""
    path = tmp_path / "wrong.pem"
    if content is not None:
        path.write_bytes(content)
    expected = f"DOWNSTREAMS stub: tls cannot load {path}: {reason}"
    with pytest.raises(StartupError) as raised:
        await calling_app("https://127.0.0.1:9", tls={field: str(path)}).startup()
    assert str(raised.value).startswith(expected)
    assert "\n" not in str(raised.value)
    # Under a server, the lifespan fails with that line.
    app = calling_app("https://127.0.0.1:9", tls={field: str(path)})
    with pytest.raises(LifespanError) as stopped:
        async with app.test_app():
            pass
    assert str(stopped.value) == f"Error during startup {raised.value}"


class Whoami(BaseHTTPRequestHandler):
    """200 to any GET, {"client": the CN of the client's certificate, or null}."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        """Say who the client is."""
        peer = self.connection.getpeercert()
        subject = dict(rdn[0] for rdn in (peer or {}).get("subject", ()))
        body = json.dumps({"client": subject.get("commonName")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Write nothing."""


@pytest.fixture
def serve(files: Files) -> Iterator[Serve]:
    """Starts HTTPS servers of Whoami on 127.0.0.1; stopped after the test."""
    servers: list[QuietHTTPServer] = []

    def start(mutual: bool = False) -> str:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(files.server)
        if mutual:
            # TLS 1.3: the refusal comes after the client's handshake (1.2's is a 503).
            context.minimum_version = ssl.TLSVersion.TLSv1_3
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(files.ca)
        server = QuietHTTPServer(("127.0.0.1", 0), Whoami)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
        servers.append(server)
        return f"https://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def files(tmp_path: Path) -> Files:
    """A throwaway CA, a server certificate for 127.0.0.1 and a client one, as PEM files."""
    ca_key, server_key, client_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    ca = certificate("Test CA", ca_key, ca_key, None)
    ip = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    server = certificate("127.0.0.1", server_key, ca_key, ca, ip)
    client = certificate("orders", client_key, ca_key, ca)
    written = Files(*(tmp_path / f"{name}.pem" for name in ("ca", "server", "crt", "key", "both")))
    written.ca.write_bytes(pem(ca))
    written.server.write_bytes(pem(server) + pem(server_key))
    written.client_cert.write_bytes(pem(client))
    written.client_key.write_bytes(pem(client_key))
    written.client_both.write_bytes(pem(client) + pem(client_key))
    return written


def certificate(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate | None,
    *extensions: x509.ExtensionType,
) -> x509.Certificate:
    """A certificate of `name` signed by `signer`, of `issuer` (None: a self-signed CA)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), critical=False
        )
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(signer, hashes.SHA256())


def pem(item: x509.Certificate | ec.EllipticCurvePrivateKey) -> bytes:
    """A certificate or a key, in PEM."""
    if isinstance(item, x509.Certificate):
        return item.public_bytes(serialization.Encoding.PEM)
    return item.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
