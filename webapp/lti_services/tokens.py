"""OAuth 2.0 client-credentials tokens for LTI services, asked for with a signed JWT.

The tool proves who it is with a client assertion (RFC 7523): a JWT signed with its private
key, iss = sub = its client id, aud = the platform's token audience, a short lifetime and a
fresh jti. The access token that comes back is kept per (issuer, client id, scopes) until
shortly before it expires, so a burst of scores costs one token request.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import jwt
import requests

from .client import PlatformClient, ServiceError, call, json_body

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 300  # seconds
EARLY = 60.0  # a token is renewed this long before it expires (a short-lived one at half-life)
DEFAULT_LIFETIME = 3600  # a token answer that names no expires_in

SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_MEMBERSHIPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

Key = tuple[str, str, tuple[str, ...]]


def client_assertion(client: PlatformClient, now: float | None = None) -> str:
    """The signed JWT that authenticates the tool at the platform's token endpoint."""
    issued = int(time.time() if now is None else now)
    claims = {
        "iss": client.client_id,
        "sub": client.client_id,
        "aud": client.audience,
        "iat": issued,
        "exp": issued + ASSERTION_LIFETIME,
        "jti": secrets.token_urlsafe(24),
    }
    return jwt.encode(
        claims, client.tool_private_pem, algorithm="RS256", headers={"kid": client.tool_kid}
    )


@dataclass(frozen=True)
class AccessToken:
    value: str
    renew_at: float  # on the cache's clock


class TokenCache:
    """Access tokens per (issuer, client id, scopes), each kept until shortly before expiry.

    Not the app's BoundedCache: that one keeps values derived from immutable content and never
    replaces an entry, while a token must be replaced once it ages. One lock per key means
    threads asking for the same token at once make one request, not one each.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, size: int = 256) -> None:
        self._clock = clock
        self._size = size
        self._tokens: dict[Key, AccessToken] = {}
        self._locks: dict[Key, threading.Lock] = {}
        self._guard = threading.Lock()

    def token(self, client: PlatformClient, scopes: Iterable[str], http: requests.Session) -> str:
        """A valid access token for these scopes: the kept one, or a new one."""
        key: Key = (client.issuer, client.client_id, tuple(sorted(set(scopes))))
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            kept = self._tokens.get(key)
            if kept is not None and self._clock() < kept.renew_at:
                return kept.value
            value, lifetime = request_token(client, key[2], http)
            renew_in = lifetime - EARLY if lifetime > 2 * EARLY else lifetime / 2
            with self._guard:
                if len(self._tokens) >= self._size:
                    self._tokens.clear()  # a few hundred platforms at most: start again
                self._tokens[key] = AccessToken(value, self._clock() + renew_in)
            return value

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()

    def forget(self, client: PlatformClient, scopes: Iterable[str]) -> None:
        """Drop a token the platform refused (401): the next call asks for a new one."""
        key: Key = (client.issuer, client.client_id, tuple(sorted(set(scopes))))
        with self._guard:
            self._tokens.pop(key, None)


def request_token(
    client: PlatformClient, scopes: tuple[str, ...], http: requests.Session
) -> tuple[str, float]:
    """Ask the platform for an access token: (token, lifetime in seconds)."""
    response = call(
        http,
        "POST",
        client.token_url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(client),
            "scope": " ".join(scopes),
        },
        headers={"Accept": "application/json"},
    )
    body = json_body(response)
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise ServiceError(f"POST {client.token_url}: the answer holds no access_token", 502)
    lifetime = body.get("expires_in", DEFAULT_LIFETIME)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        lifetime = DEFAULT_LIFETIME
    return token, float(lifetime)


TOKENS = TokenCache()  # the process's tokens; tests make their own
