"""The learning platforms' public keys: each platform's JWKS, fetched (bounded in time and
size), kept for a while, and fetched again for a key id not seen yet (key rotation)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt

from .errors import LaunchError

JWKS_LIMIT = 256 * 1024


def fetch_json(url: str) -> Any:
    """GET a JSON document (a platform's JWKS), bounded in time and size."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (admin's URL)
        body = response.read(JWKS_LIMIT + 1)
    if len(body) > JWKS_LIMIT:
        raise ValueError("the key set is too large")
    return json.loads(body)


@dataclass
class _KeySet:
    keys: dict[str, Any]
    fetched: float


@dataclass
class KeySets:
    """The platforms' public keys by key set URL and kid, kept for `lifetime` seconds; an
    unknown kid fetches the set again (at most once per `refetch_after` seconds)."""

    fetch: Callable[[str], Any] = fetch_json
    lifetime: float = 3600.0
    refetch_after: float = 10.0
    _sets: dict[str, _KeySet] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _load(self, url: str) -> _KeySet:
        try:
            document = self.fetch(url)
            keys = {
                str(jwk["kid"]): jwt.PyJWK.from_dict(jwk, algorithm="RS256").key
                for jwk in document["keys"]
                if isinstance(jwk, dict) and jwk.get("kid") and jwk.get("kty") == "RSA"
            }
        except Exception as exc:  # any failure to read the set refuses the launch, no 500
            raise LaunchError(
                502,
                "jwks_unavailable",
                "The learning platform's signing keys could not be read. Try again later.",
                f"{url}: {exc!r}",
            ) from exc
        found = _KeySet(keys, time.monotonic())
        with self._lock:
            self._sets[url] = found
        return found

    def key(self, url: str, kid: str) -> Any:
        """The public key `kid` of the set at `url`."""
        with self._lock:
            cached = self._sets.get(url)
        now = time.monotonic()
        if cached is None or now - cached.fetched > self.lifetime:
            cached = self._load(url)
        elif kid not in cached.keys and now - cached.fetched >= self.refetch_after:
            cached = self._load(url)  # the platform may have rotated its keys
        if kid not in cached.keys:
            raise LaunchError(
                401,
                "unknown_kid",
                "The launch was signed with a key the learning platform does not publish.",
                f"kid {kid!r} not in {url}",
            )
        return cached.keys[kid]
