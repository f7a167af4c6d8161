"""A stand-in identity provider on loopback: a JWKS URL, its keys, and tokens signed with them.

For tests and benchmarks of a service configured as in production (AUTH_JWKS_URL), without the
internet: it serves its key set over real HTTP, counts the fetches, can rotate its keys, fail,
stop, answer slowly or too much, and mints tokens as a provider would (RS256, a key id, iss, aud, exp, scope).
Its token endpoint grants client credentials (RFC 6749 section 4.4) to the clients it knows,
for a service calling another with a token of its own; it too can fail, crawl or talk nonsense.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from ..identity import SERVICE
from .quiet_server import QuietHTTPServer
from .token_endpoint import CLIENT, TOKEN_PATH, TokenEndpoint

ISSUER = "https://identity.test"
PATH = "/jwks.json"


class KeyServer:
    """A JWKS endpoint on 127.0.0.1 whose keys, answers and availability a test controls."""

    def __init__(self, audience: str = SERVICE) -> None:
        """Serve one fresh RSA key at once; tokens it mints are for `audience`."""
        self.issuer = ISSUER
        self.audience = audience
        self._made = 0
        self.keys = [self._new_key()]
        self.fetches = 0
        self._counting = threading.Lock()
        self.status = 200  # what the key set is answered with; 500 makes every fetch fail
        self.padding = 0  # bytes of padding the document carries: an oversized key set
        self.drip = 0.0  # seconds between the body's chunks of 64 bytes: a provider crawling
        self.whole_answers = 0  # key sets sent to the end: a client that stops early reads less
        self._port = 0
        self.tokens = TokenEndpoint(self.mint, audience)  # its token endpoint, at token_url
        self._server: QuietHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        """The JWKS URL, for AUTH_JWKS_URL."""
        return f"http://127.0.0.1:{self._port}{PATH}"

    @property
    def token_url(self) -> str:
        """The token endpoint's URL, for a downstream's auth."""
        return f"http://127.0.0.1:{self._port}{TOKEN_PATH}"

    def grant(self, client: tuple[str, str] = CLIENT, **fields: object) -> dict[str, object]:
        """A downstream's `auth`: client credentials of `client` at this token endpoint."""
        client_id, secret = client
        return {
            "token_url": self.token_url,
            "client_id": client_id,
            "client_secret": secret,
            **fields,
        }

    def settings(self) -> dict[str, object]:
        """The settings that point a service at this provider."""
        return {
            "AUTH_JWKS_URL": self.url,
            "AUTH_ISSUER": self.issuer,
            "AUTH_AUDIENCE": self.audience,
        }

    def start(self) -> None:
        """Listen (again, on the same port once it had one)."""
        self._server = QuietHTTPServer.started(_handler(self), self._port)
        self._port = self._server.server_address[1]

    def stop(self) -> None:
        """Stop listening: fetches now find the port closed."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def rotate(self) -> RSAKey:
        """Replace every key with a new one, as a provider rotating its keys; returns it."""
        key = self._new_key()
        self.keys = [key]
        return key

    def _new_key(self) -> RSAKey:
        """The server's next key: a key id of its own, on key material no key before it had."""
        self._made += 1
        return RSAKey.import_key(
            _key_material(self._made),
            parameters={"kid": f"key-{self._made}-{time.monotonic_ns()}", "use": "sig"},
        )

    def mint(
        self,
        *scopes: str,
        subject: str = "tester",
        lifetime: int = 300,
        key: RSAKey | None = None,
        **claims: Any,
    ) -> str:
        """A token for `subject` granting `scopes`, signed with `key` (the newest by default).

        `claims` replace or add claims (exp=..., nbf=...); a claim given as None is left out.
        """
        key = key or self.keys[-1]
        now = int(time.time())
        every = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject,
            "scope": " ".join(scopes) or None,
            "iat": now,
            "exp": now + lifetime,
            **claims,
        }
        body = {name: value for name, value in every.items() if value is not None}
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt"}, body, key)

    def document(self) -> bytes:
        """The key set as served: the public halves only, and the padding if any."""
        document: dict[str, object] = {"keys": [key.as_dict(private=False) for key in self.keys]}
        if self.padding:
            document["padding"] = "x" * self.padding
        return json.dumps(document).encode()


@functools.cache
def _key_material(number: int) -> rsa.RSAPrivateKey:
    """The `number`th RSA key of this process, made once: tests start many servers.

    A 2048-bit key takes about a tenth of a second to make, and as long to load from a JWK.
    """
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _handler(provider: KeyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with provider._counting:
                provider.fetches += 1
            if self.path != PATH or provider.status != 200:
                self.send_response(404 if self.path != PATH else provider.status)
                if 300 <= provider.status < 400:  # a redirect, to the key set itself
                    self.send_header("Location", provider.url)
                self.end_headers()
                return
            body = provider.document()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            step = 64 if provider.drip else len(body)
            try:
                for start in range(0, len(body), step):
                    self.wfile.write(body[start : start + step])
                    time.sleep(provider.drip)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client stopped reading, as it should past its bounds
            with provider._counting:
                provider.whole_answers += 1

        def do_POST(self) -> None:
            with provider._counting:
                provider.tokens.fetches += 1
            status, body = provider.tokens.answer(self.path, self.headers, self.rfile)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Write nothing: the test's output is the service's."""

    return Handler
