"""The tool's own RSA key pair: made once in the instance folder (mode 0600), published as
a JWKS at /lti/jwks, used to sign deep-linking responses and service-token assertions."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask

KEY_FILE = "lti-tool-key.pem"


@dataclass(frozen=True)
class ToolKey:
    """The key id, the private key as PEM (for PyJWT) and the public key as a JWK."""

    kid: str
    private_pem: bytes = field(repr=False)
    public_jwk: dict[str, Any]

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk]}


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _load(pem: bytes) -> ToolKey:
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise ValueError("the LTI tool key is not an RSA key")
    numbers = private.public_key().public_numbers()
    e, n = _b64(numbers.e), _b64(numbers.n)
    # RFC 7638 thumbprint: the kid changes exactly when the key does
    thumb = json.dumps({"e": e, "kty": "RSA", "n": n}, separators=(",", ":"), sort_keys=True)
    kid = base64.urlsafe_b64encode(hashlib.sha256(thumb.encode()).digest()).rstrip(b"=").decode()
    jwk = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "e": e, "n": n}
    return ToolKey(kid, pem, jwk)


def _create(path: Path) -> None:
    """Write a new key unless one is there; two processes starting at once keep one key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".lti-key-")  # mkstemp: mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):  # another process linked its key first
            os.link(tmp, path)
    finally:
        os.unlink(tmp)


def tool_key(app: Flask) -> ToolKey:
    """The tool's key pair (made on first use, then read from the instance folder)."""
    cached = app.extensions.get("lti_tool_key")
    if cached is not None:
        return cached
    path = Path(app.instance_path) / KEY_FILE
    if not path.exists():
        _create(path)
    key = _load(path.read_bytes())
    app.extensions["lti_tool_key"] = key
    return key
