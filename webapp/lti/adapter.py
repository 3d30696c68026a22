"""Checking an LTI 1.3 launch, on PyJWT and cryptography (see the README for why no LTI
library): the OIDC login's state and nonce, bound to this browser by a signed cookie, the
id_token's signature against the platform's JWKS (cached, fetched again for an unknown kid
when the platform rotates its keys), issuer, audience and azp, times, the nonce used once
(a unique row), the deployment, the message type and the LTI version.

Every refusal is a LaunchError carrying the HTTP status, a short code for the log and a
sentence for the person who launched."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import LtiDeployment, LtiNonce, LtiPlatform
from ..models.base import utcnow
from .errors import LaunchError
from .keysets import KeySets

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK, DEEP_LINKING)
VERSION = "1.3.0"
STATE_COOKIE = "srm_lti_state"
STATE_MAX_AGE = 600  # seconds between the login and the launch
STATES_KEPT = 5  # launches a browser may have under way at once
LEEWAY = 60  # seconds of clock difference allowed on exp and iat
NONCE_LIFETIME = timedelta(days=2)  # a used nonce is kept longer than any token lives
ID_LIMIT = 255


# --- state and nonce, bound to the browser ---------------------------------------------------


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="srm-lti-state")


@dataclass(frozen=True)
class Login:
    """A login begun: the state and nonce sent to the platform, the cookie that binds them
    to this browser, and the platform's login parameters (for a retry in a new window)."""

    state: str
    nonce: str
    cookie: str


def begin_login(
    secret_key: str, cookie: str | None, platform: LtiPlatform, params: dict[str, str]
) -> Login:
    """Make a state and nonce for a login; the cookie keeps them with the few other launches
    this browser has under way. The state itself carries the login parameters, signed, so a
    launch whose cookie was blocked can start again in a new window."""
    pending = read_states(secret_key, cookie)
    nonce = secrets.token_urlsafe(24)
    ref = secrets.token_urlsafe(16)
    pending[ref] = {"nonce": nonce, "platform": platform.id}
    kept = dict(list(pending.items())[-STATES_KEPT:])
    state = _serializer(secret_key).dumps({"ref": ref, "login": params})
    return Login(state, nonce, write_states(secret_key, kept))


def read_states(secret_key: str, cookie: str | None) -> dict[str, dict[str, Any]]:
    """The launches under way in this browser (an empty map for a missing or stale cookie)."""
    if not cookie:
        return {}
    try:
        value = _serializer(secret_key).loads(cookie, max_age=STATE_MAX_AGE)
    except BadSignature:
        return {}
    return value if isinstance(value, dict) else {}


def write_states(secret_key: str, pending: dict[str, dict[str, Any]]) -> str:
    """The state cookie's value for these launches under way."""
    return _serializer(secret_key).dumps(pending)


def read_state(secret_key: str, state: str) -> dict[str, Any]:
    """The state's reference and login parameters; LaunchError if it is not ours or stale."""
    try:
        value = _serializer(secret_key).loads(state, max_age=STATE_MAX_AGE)
    except BadSignature as exc:
        raise LaunchError(
            400,
            "bad_state",
            "This launch does not match a sign-in started here. Open the activity again "
            "from your course.",
        ) from exc
    if not isinstance(value, dict) or not isinstance(value.get("ref"), str):
        raise LaunchError(400, "bad_state", "This launch's state is not one made here.")
    return value


# --- the launch ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Launch:
    """A launch that passed every check."""

    platform: LtiPlatform
    deployment: LtiDeployment
    claims: dict[str, Any]

    @property
    def message_type(self) -> str:
        return str(self.claims[CLAIM + "message_type"])

    def claim(self, name: str, default: Any = None) -> Any:
        return self.claims.get(CLAIM + name, default)


def _unverified(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(id_token)
        body = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise LaunchError(400, "malformed_token", "The launch's id_token is not a JWT.") from exc
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise LaunchError(
            401, "bad_alg", "The launch must be signed with RS256 and name its key (kid)."
        )
    return header, body


def _platform(session: Session, body: dict[str, Any]) -> LtiPlatform:
    iss = body.get("iss")
    aud = body.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    candidates = session.execute(
        select(LtiPlatform).where(LtiPlatform.issuer == str(iss)[:ID_LIMIT])
    ).scalars()
    platforms = list(candidates)
    if not platforms:
        raise LaunchError(
            403,
            "unknown_issuer",
            "This learning platform is not registered with the trainer.",
            f"iss {str(iss)[:200]!r}",
        )
    for platform in platforms:
        if platform.client_id in audiences:
            return platform
    raise LaunchError(
        401,
        "wrong_audience",
        "This launch was meant for another tool.",
        f"aud {str(aud)[:200]!r} iss {str(iss)[:200]!r}",
    )


_JWT_ERRORS: list[tuple[type[Exception], str, str]] = [
    (jwt.ExpiredSignatureError, "expired", "This launch has expired. Open the activity again."),
    (jwt.ImmatureSignatureError, "not_yet_valid", "This launch is dated in the future."),
    (jwt.InvalidAudienceError, "wrong_audience", "This launch was meant for another tool."),
    (jwt.InvalidIssuerError, "unknown_issuer", "This launch names another platform."),
    (jwt.MissingRequiredClaimError, "missing_claim", "This launch lacks a required claim."),
    (jwt.InvalidSignatureError, "bad_signature", "This launch's signature does not verify."),
]


def _verify(id_token: str, key: Any, platform: LtiPlatform) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            id_token,
            key,
            algorithms=["RS256"],
            audience=platform.client_id,
            issuer=platform.issuer,
            leeway=LEEWAY,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
        )
    except jwt.PyJWTError as exc:
        for kind, code, message in _JWT_ERRORS:
            if isinstance(exc, kind):
                raise LaunchError(401, code, message, str(exc)) from exc
        raise LaunchError(401, "invalid_token", "This launch's id_token is not valid.") from exc
    aud = claims["aud"]
    azp = claims.get("azp")
    if (isinstance(aud, list) and len(aud) > 1 and azp is None) or (
        azp is not None and azp != platform.client_id
    ):
        raise LaunchError(
            401, "wrong_azp", "This launch was meant for another tool.", f"azp {azp!r}"
        )
    return claims


def _check_message(claims: dict[str, Any]) -> None:
    version = claims.get(CLAIM + "version")
    if version != VERSION:
        raise LaunchError(
            400, "wrong_version", "Only LTI 1.3.0 launches are accepted.", f"{version!r}"
        )
    kind = claims.get(CLAIM + "message_type")
    if kind not in MESSAGE_TYPES:
        raise LaunchError(
            400, "wrong_message_type", "The trainer cannot open this kind of launch.", f"{kind!r}"
        )
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > ID_LIMIT:
        raise LaunchError(400, "missing_sub", "This launch does not say who is launching.")


def _deployment(session: Session, platform: LtiPlatform, claims: dict[str, Any]) -> LtiDeployment:
    value = claims.get(CLAIM + "deployment_id")
    found = session.execute(
        select(LtiDeployment).where(
            LtiDeployment.platform_id == platform.id,
            LtiDeployment.deployment_id == str(value)[:ID_LIMIT],
        )
    ).scalar_one_or_none()
    if found is None or not isinstance(value, str):
        raise LaunchError(
            403,
            "unknown_deployment",
            "This deployment of the trainer is not registered for your platform.",
            f"deployment_id {str(value)[:200]!r}",
        )
    return found


def use_nonce(session: Session, platform: LtiPlatform, nonce: str) -> None:
    """Record the nonce as used (flushes); LaunchError if it was used already."""
    session.execute(delete(LtiNonce).where(LtiNonce.expires_at < utcnow()))
    try:
        with session.begin_nested():
            session.add(
                LtiNonce(
                    platform_id=platform.id,
                    nonce=nonce[:ID_LIMIT],
                    expires_at=utcnow() + NONCE_LIFETIME,
                )
            )
    except IntegrityError as exc:
        raise LaunchError(
            401, "replayed_nonce", "This launch was used already. Open the activity again."
        ) from exc


def validate(
    session: Session,
    keys: KeySets,
    id_token: str,
    expected: dict[str, Any],
) -> Launch:
    """Check an id_token against the login this browser began (expected: the nonce and
    platform kept in its state cookie). Stores the used nonce (the caller commits)."""
    header, body = _unverified(id_token)
    platform = _platform(session, body)
    if expected.get("platform") != platform.id:
        raise LaunchError(400, "bad_state", "This launch comes from another platform's sign-in.")
    key = keys.key(platform.keyset_url, header["kid"])
    claims = _verify(id_token, key, platform)
    if not secrets.compare_digest(str(claims["nonce"]), str(expected.get("nonce"))):
        raise LaunchError(401, "wrong_nonce", "This launch's nonce is not the one sent.")
    _check_message(claims)
    deployment = _deployment(session, platform, claims)
    use_nonce(session, platform, str(claims["nonce"]))
    return Launch(platform, deployment, claims)
