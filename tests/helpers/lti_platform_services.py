"""A learning platform's service side on loopback: token, line items, scores, memberships.

It checks what a real platform checks of the tool: the client assertion's signature
against the tool's public key, its iss/sub/aud/exp and a jti used once; bearer tokens and
their scopes on every service call; the score media type and fields. It records what it
received, and can be told to fail (500, a hang past the tool's timeout, 401, 429, 400, or
a redirect to a sign-in page).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request

from tests.helpers import loopback
from webapp.lti_services.client import PlatformClient

ISSUER = "https://lms.example.test"
CLIENT_ID = "trainer-client"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
SCORE_FIELDS = {
    "userId",
    "scoreGiven",
    "scoreMaximum",
    "activityProgress",
    "gradingProgress",
    "timestamp",
}


@dataclass(frozen=True)
class ToolKey:
    kid: str
    private_pem: str
    public_pem: str


def make_tool_key() -> ToolKey:
    """A fresh RSA key pair for the tool (what the LTI registration keeps)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return ToolKey(secrets.token_hex(8), private, public)


@dataclass
class Failure:
    mode: str  # "500", "timeout", "401", "429", "400", "302"
    times: int | None  # how many calls fail; None: until told otherwise
    endpoint: str  # "scores" or "token"


@dataclass
class Received:
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)  # (lineitem id, body)
    lineitems_made: list[dict[str, Any]] = field(default_factory=list)
    membership_pages: list[str] = field(default_factory=list)
    refused: list[tuple[str, int, str]] = field(default_factory=list)


class PlatformServices:
    """The platform: start() serves it on 127.0.0.1 (a free port), stop() ends it."""

    def __init__(self, tool_key: ToolKey, *, token_lifetime: int = 3600, page_size: int = 2):
        self.tool_key = tool_key
        self.token_lifetime = token_lifetime
        self.page_size = page_size
        self.received = Received()
        self.members: list[dict[str, Any]] = []
        self.lineitems: dict[str, dict[str, Any]] = {}  # id -> line item
        self.gradebook: dict[tuple[str, str], dict[str, Any]] = {}  # (lineitem, user) -> score
        self.hang_seconds = 2.0
        self._tokens: dict[str, tuple[float, set[str]]] = {}
        self._jtis: set[str] = set()
        self._failure: Failure | None = None
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- control -------------------------------------------------------------------

    def start(self) -> PlatformServices:
        self._server, self._thread, self.url = loopback.serve(self._app())
        return self

    def stop(self) -> None:
        loopback.shut(self._server, self._thread)

    def client(self, **overrides: Any) -> PlatformClient:
        """The PlatformClient the tool's registration would give for this platform."""
        values = {
            "issuer": ISSUER,
            "client_id": CLIENT_ID,
            "token_url": self.token_url,
            "tool_kid": self.tool_key.kid,
            "tool_private_pem": self.tool_key.private_pem,
            **overrides,
        }
        return PlatformClient(**values)

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def lineitems_url(self) -> str:
        return f"{self.url}/lineitems"

    @property
    def memberships_url(self) -> str:
        return f"{self.url}/memberships"

    def add_lineitem(self, label: str = "Sorting the cards", resource_link_id: str = "rl-1") -> str:
        number = len(self.lineitems) + 1
        url = f"{self.url}/lineitems/{number}/lineitem?type=assignment"
        self.lineitems[url] = {
            "id": url,
            "label": label,
            "scoreMaximum": 100,
            "resourceLinkId": resource_link_id,
        }
        return url

    def fail(self, mode: str, times: int | None = None, endpoint: str = "scores") -> None:
        """Make the next `times` calls to an endpoint fail (None: every call, until healed)."""
        with self._lock:
            self._failure = Failure(mode, times, endpoint)

    def heal(self) -> None:
        with self._lock:
            self._failure = None

    def revoke_tokens(self) -> None:
        """Every access token given so far stops working (the platform rotated them)."""
        with self._lock:
            self._tokens.clear()

    # --- the platform's checks -----------------------------------------------------------

    def _failing(self, endpoint: str) -> str | None:
        with self._lock:
            f = self._failure
            if f is None or f.endpoint != endpoint:
                return None
            if f.times is not None:
                f.times -= 1
                if f.times <= 0:
                    self._failure = None
            return f.mode

    def _failed(self, mode: str):
        if mode == "timeout":
            time.sleep(self.hang_seconds)
            return jsonify(error="too late"), 504
        body = {"500": "server_error", "401": "invalid_token", "429": "slow_down"}.get(
            mode, "invalid_request"
        )
        if mode == "302":
            return "", 302, {"Location": f"{self.url}/login"}
        headers = {"Retry-After": "1"} if mode == "429" else {}
        return jsonify(error=body), int(mode), headers

    def _refuse(self, status: int, why: str):
        self.received.refused.append((request.path, status, why))
        return jsonify(error=why), status

    def _bearer(self, scope: str) -> str | None:
        """Why the call's bearer token does not allow this scope; None if it does."""
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return "no bearer token"
        with self._lock:
            held = self._tokens.get(auth[len("Bearer ") :])
        if held is None or held[0] < time.time():
            return "unknown or expired token"
        if scope not in held[1]:
            return f"the token lacks {scope}"
        return None

    def _check_assertion(self, form) -> str | None:
        if form.get("grant_type") != "client_credentials":
            return "grant_type must be client_credentials"
        if form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return "wrong client_assertion_type"
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            claims = jwt.decode(
                assertion,
                self.tool_key.public_pem,
                algorithms=["RS256"],
                audience=self.token_url,
                options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"]},
            )
        except jwt.PyJWTError as exc:
            return f"bad client assertion: {exc}"
        if header.get("kid") != self.tool_key.kid:
            return "unknown kid"
        if claims["iss"] != CLIENT_ID or claims["sub"] != CLIENT_ID:
            return "iss and sub must be the client id"
        with self._lock:
            if claims["jti"] in self._jtis:
                return "jti already used"
            self._jtis.add(claims["jti"])
        return None

    # --- the endpoints ---------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask("lti-platform-services")
        app.add_url_rule("/token", "token", self._token, methods=["POST"])
        app.add_url_rule("/lineitems", "list_lineitems", self._list_lineitems, methods=["GET"])
        app.add_url_rule("/lineitems", "make_lineitem", self._make_lineitem, methods=["POST"])
        app.add_url_rule(
            "/lineitems/<int:number>/lineitem/scores", "scores", self._scores, methods=["POST"]
        )
        app.add_url_rule("/memberships", "memberships", self._memberships, methods=["GET"])
        return app

    def _token(self):
        failing = self._failing("token")
        if failing:
            return self._failed(failing)
        self.received.token_requests.append(dict(request.form))
        why = self._check_assertion(request.form)
        if why:
            return self._refuse(400, why)
        scopes = set(request.form.get("scope", "").split())
        value = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[value] = (time.time() + self.token_lifetime, scopes)
        return jsonify(
            access_token=value,
            token_type="Bearer",
            expires_in=self.token_lifetime,
            scope=" ".join(sorted(scopes)),
        )

    def _list_lineitems(self):
        why = self._bearer("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem")
        if why:
            return self._refuse(401, why)
        wanted = request.args.get("resource_link_id")
        items = [
            i
            for i in self.lineitems.values()
            if wanted is None or i.get("resourceLinkId") == wanted
        ]
        return jsonify(items)

    def _make_lineitem(self):
        why = self._bearer("https://purl.imsglobal.org/spec/lti-ags/scope/lineitem")
        if why:
            return self._refuse(401, why)
        body = request.get_json(force=True)
        url = self.add_lineitem(body.get("label", ""), body.get("resourceLinkId"))
        self.lineitems[url].update(scoreMaximum=body.get("scoreMaximum"))
        self.received.lineitems_made.append(body)
        return jsonify(self.lineitems[url]), 201

    def _scores(self, number: int):
        failing = self._failing("scores")
        if failing:
            return self._failed(failing)
        why = self._bearer("https://purl.imsglobal.org/spec/lti-ags/scope/score")
        if why:
            return self._refuse(401, why)
        if request.mimetype != SCORE_TYPE:
            return self._refuse(415, f"content type {request.mimetype}")
        lineitem = next((u for u in self.lineitems if f"/lineitems/{number}/lineitem" in u), None)
        if lineitem is None or request.args.get("type") != "assignment":
            return self._refuse(404, "no such line item")
        body = request.get_json()
        if not isinstance(body, dict) or not set(body) >= SCORE_FIELDS:
            return self._refuse(400, "missing score fields")
        stamp = datetime.fromisoformat(body["timestamp"])
        self.received.scores.append({"lineitem": lineitem, **body})
        key = (lineitem, body["userId"])
        with self._lock:
            kept = self.gradebook.get(key)
            if kept is None or datetime.fromisoformat(kept["timestamp"]) < stamp:
                self.gradebook[key] = body  # the newest score wins, as the spec says
        return "", 204

    def _memberships(self):
        why = self._bearer(
            "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
        )
        if why:
            return self._refuse(401, why)
        if request.accept_mimetypes.best != MEMBERSHIPS_TYPE:
            return self._refuse(406, "wrong Accept")
        page = int(request.args.get("page", "1"))
        self.received.membership_pages.append(request.full_path)
        start = (page - 1) * self.page_size
        chunk = self.members[start : start + self.page_size]
        response = jsonify(
            id=self.memberships_url,
            context={"id": "course-1", "title": "Cloud security 101"},
            members=chunk,
        )
        response.mimetype = MEMBERSHIPS_TYPE
        if start + self.page_size < len(self.members):
            # a relative link, as some platforms send: the tool resolves it
            response.headers["Link"] = f'</memberships?page={page + 1}>; rel="next"'
        return response
