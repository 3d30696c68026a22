"""A small LTI 1.3 platform of our own, for tests: its own RSA keys and JWKS served on
loopback, an OIDC authorisation endpoint, a course page that frames the tool, and id_tokens
for resource-link and deep-linking launches (roles, AGS and NRPS claims) minted on demand.

`launch(client, ...)` drives login -> authorisation -> launch through a Flask test client."""

from __future__ import annotations

import html
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Request, Response

from tests.helpers import loopback

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
COURSE_SCENARIO = "s3-vpc-ec2-oracle"
COURSE_VARIANT = "oracle-on-ec2"
RL_MESSAGE = "LtiResourceLinkRequest"
DL_MESSAGE = "LtiDeepLinkingRequest"
CLIENT_ID = "trainer-client-1"
DEPLOYMENT_ID = "deployment-1"


@dataclass
class PlatformKey:
    kid: str
    private: rsa.RSAPrivateKey

    @property
    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def jwk(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}


def new_key(kid: str | None = None) -> PlatformKey:
    return PlatformKey(
        kid or uuid.uuid4().hex[:12], rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )


@dataclass
class Person:
    sub: str
    name: str
    roles: list[str]
    email: str | None = None


@dataclass
class TestPlatform:
    """The platform; serve() starts its loopback HTTP server (JWKS, auth, course page)."""

    client_id: str = CLIENT_ID
    deployment_id: str = DEPLOYMENT_ID
    keys: list[PlatformKey] = field(default_factory=lambda: [new_key()])
    people: dict[str, Person] = field(default_factory=dict)
    tool_url: str = "http://localhost"
    url: str = ""
    jwks_fetches: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    _server: Any = None
    _thread: Any = None

    __test__ = False  # not a pytest test class

    # --- serving ---------------------------------------------------------------------

    def serve(self) -> TestPlatform:
        self._server, self._thread, self.url = loopback.serve(self._wsgi)
        return self

    def stop(self) -> None:
        loopback.shut(self._server, self._thread)
        self._server = self._thread = None

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def signing_key(self) -> PlatformKey:
        return self.keys[-1]

    def rotate(self) -> PlatformKey:
        """Publish a new key and sign with it from now on (the old one stays published)."""
        self.keys.append(new_key())
        return self.signing_key

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/jwks":
            self.jwks_fetches += 1
            body = json.dumps({"keys": [k.jwk for k in self.keys]})
            response = Response(body, mimetype="application/json")
        elif request.path == "/auth":
            response = self._authorise(request)
        elif request.path == "/course":
            response = self._course_page(request)
        elif request.path == "/deep-link-return":
            self.received.append(dict(request.form))
            response = Response(
                "<!doctype html><title>Course</title><p>Content added</p>", mimetype="text/html"
            )
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def _course_page(self, request: Request) -> Response:
        """A course page with the tool in an iframe, started by third-party login."""
        hint = request.args.get("user", "learner-1")
        src = self.tool_url + "/lti/login?" + urlencode(self.login_params(hint))
        body = (
            "<!doctype html><html lang='en'><title>Course</title><h1>Cloud security course</h1>"
            f"<iframe title='Trainer' src='{html.escape(src)}' width='1000' height='700'>"
            "</iframe></html>"
        )
        return Response(body, mimetype="text/html")

    def _authorise(self, request: Request) -> Response:
        """The OIDC authorisation endpoint: a self-submitting form posting the id_token."""
        args = request.args
        message_hint = args.get("lti_message_hint", "")
        token = self.id_token(
            args["login_hint"],
            nonce=args["nonce"],
            message_type=DL_MESSAGE if message_hint == "deep-link" else RL_MESSAGE,
        )
        body = (
            "<!doctype html><html lang='en'><title>Signing in</title>"
            f"<form method='post' action='{html.escape(args['redirect_uri'])}'>"
            f"<input type='hidden' name='id_token' value='{token}'>"
            f"<input type='hidden' name='state' value='{html.escape(args['state'])}'>"
            "<button>Continue</button></form>"
            "<script>document.forms[0].submit()</script></html>"
        )
        return Response(body, mimetype="text/html")

    # --- registration and people ---------------------------------------------------------

    def registration(self) -> dict[str, str]:
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "deployment_id": self.deployment_id,
            "auth_login_url": self.url + "/auth",
            "auth_token_url": self.url + "/token",
            "keyset_url": self.url + "/jwks",
        }

    def register(self, app) -> None:
        """Register this platform with the app, as an admin would."""
        from webapp.extensions import db
        from webapp.lti.registry import Registration, add_platform

        with app.app_context():
            add_platform(db.session, Registration(**self.registration()))
            db.session.commit()

    def person(self, hint: str) -> Person:
        if hint not in self.people:
            instructor = hint.startswith("teacher")
            self.people[hint] = Person(
                sub=f"sub-{hint}",
                name=hint.replace("-", " ").title(),
                roles=[INSTRUCTOR] if instructor else [LEARNER],
                email=f"{hint}@school.example",
            )
        return self.people[hint]

    def login_params(self, hint: str, message_hint: str = "resource") -> dict[str, str]:
        return {
            "iss": self.issuer,
            "login_hint": hint,
            "target_link_uri": self.tool_url + "/lti/launch",
            "lti_message_hint": message_hint,
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    # --- tokens ----------------------------------------------------------------------

    def claims(
        self,
        hint: str,
        nonce: str,
        message_type: str = RL_MESSAGE,
        custom: dict[str, str] | None = None,
        resource_link_id: str = "link-1",
    ) -> dict[str, Any]:
        person = self.person(hint)
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": person.sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": person.name,
            "email": person.email,
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": self.tool_url + "/lti/launch",
            CLAIM + "roles": person.roles,
            CLAIM + "context": {"id": "course-7", "label": "SEC101", "title": "Cloud security"},
            NRPS_CLAIM: {
                "context_memberships_url": self.url + "/courses/7/memberships",
                "service_versions": ["2.0"],
            },
        }
        if message_type == RL_MESSAGE:
            claims[CLAIM + "resource_link"] = {"id": resource_link_id, "title": "Sort the tasks"}
            claims[CLAIM + "custom"] = (
                custom
                if custom is not None
                else {"scenario": COURSE_SCENARIO, "variant": COURSE_VARIANT, "mode": "board"}
            )
            claims[AGS_CLAIM] = {
                "scope": [
                    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
                ],
                "lineitems": self.url + "/courses/7/lineitems",
                "lineitem": self.url + f"/courses/7/lineitems/{resource_link_id}",
            }
        else:
            claims[DL_CLAIM + "deep_linking_settings"] = {
                "deep_link_return_url": self.url + "/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "data": "opaque-platform-data",
            }
        return claims

    def sign(self, claims: dict[str, Any], key: PlatformKey | None = None, kid: str | None = None):
        key = key or self.signing_key
        return jwt.encode(claims, key.pem, algorithm="RS256", headers={"kid": kid or key.kid})

    def id_token(self, hint: str, nonce: str, message_type: str = RL_MESSAGE):
        return self.sign(self.claims(hint, nonce, message_type))

    # --- driving a launch through a Flask test client ----------------------------------

    def login(self, client, hint: str = "learner-1", message_hint: str = "resource"):
        """POST the third-party login; returns the tool's redirect's query (state, nonce...)."""
        response = client.post("/lti/login", data=self.login_params(hint, message_hint))
        assert response.status_code == 302, response.get_data(as_text=True)
        location = urlsplit(response.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.url + "/auth"
        return {k: v[0] for k, v in parse_qs(location.query).items()}

    def launch(
        self,
        client,
        hint: str = "learner-1",
        message_type: str = RL_MESSAGE,
        change: dict[str, Any] | None = None,
        drop: tuple[str, ...] = (),
        key: PlatformKey | None = None,
        kid: str | None = None,
        state: str | None = None,
        custom: dict[str, str] | None = None,
        resource_link_id: str = "link-1",
    ):
        """Login -> authorisation -> launch; `change`/`drop` alter the id_token's claims."""
        auth = self.login(client, hint)
        claims = self.claims(hint, auth["nonce"], message_type, custom, resource_link_id)
        claims.update(change or {})
        for name in drop:
            claims.pop(name, None)
        token = self.sign(claims, key, kid)
        return client.post(
            "/lti/launch",
            data={"id_token": token, "state": auth["state"] if state is None else state},
        )


@pytest.fixture
def lti_platform(app):
    """The test platform, served on loopback and registered with the app."""
    platform = TestPlatform().serve()
    app.config["SRM_LTI_JWKS_REFETCH_AFTER"] = 0  # a rotated key is looked up at once
    platform.register(app)
    yield platform
    platform.stop()
