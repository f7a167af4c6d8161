"""The TLS of a downstream's connections: an internal CA, and a client certificate.

A service inside a company's network often reaches its siblings over certificates of an
internal CA, and some ask for the caller's own certificate (mutual TLS). The context trusts the
system's CAs and `ca_path`'s, and presents `cert_path` (with `key_path`, or the key in the same
file) when asked. A file that cannot be read, or is not what it should be, stops the start.
The fields end in _path, not _file, which <SERVICE>_..._FILE variables would read as a file to
take the field's value from.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

from ..identity import StartupError
from .parts import Tls


def tls_context(name: str, tls: Tls | None) -> ssl.SSLContext | None:
    """The context of `name`'s connections, or None for the system's defaults."""
    if tls is None:
        return None
    context = ssl.create_default_context()
    if tls.ca_path is not None:
        _loading(name, tls.ca_path, lambda: context.load_verify_locations(cafile=tls.ca_path))
    cert_path = tls.cert_path
    if cert_path is not None:
        files = ", ".join(path for path in (cert_path, tls.key_path) if path)
        # An encrypted key would make OpenSSL ask for its password on the terminal: no password.
        load = lambda: context.load_cert_chain(cert_path, tls.key_path, password=b"")  # noqa: E731
        _loading(name, files, load)
    return context


def _loading(name: str, files: str, load: Callable[[], None]) -> None:
    """Run `load`; a file missing or wrong stops the start, in one line naming it."""
    try:
        load()
    except OSError as error:  # ssl.SSLError is one too
        reason = getattr(error, "reason", None) or (
            "not PEM, an encrypted key, or no key for the certificate"
            if isinstance(error, ssl.SSLError)
            else error.strerror
        )
        raise StartupError(f"DOWNSTREAMS {name}: tls cannot load {files}: {reason}") from None
