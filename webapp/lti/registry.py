"""Registering learning platforms with the tool: add (or add a deployment to) a platform,
list them, remove one. Services: they add and flush, the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..domain.text import text_problem
from ..models import LtiDeployment, LtiPlatform

LOOPBACK = ("localhost", "127.0.0.1", "::1")
URL_FIELDS = ("auth_login_url", "auth_token_url", "keyset_url")


class RegistrationError(ValueError):
    """A registration refused, naming the field it is about."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Registration:
    """What a platform's admin hands over for the tool."""

    issuer: str
    client_id: str
    deployment_id: str
    auth_login_url: str
    auth_token_url: str
    keyset_url: str
    frame_origins: str = ""


def _text(value: str, field: str, limit: int = 255) -> str:
    value = (value or "").strip()
    if not value:
        raise RegistrationError("Fill this in.", field)
    if len(value) > limit:
        raise RegistrationError(f"At most {limit} characters.", field)
    problem = text_problem(value)
    if problem:
        raise RegistrationError(f"This {problem}.", field)
    return value


def _url(value: str, field: str, required: bool = True) -> str:
    value = _text(value, field, 1000) if required or value.strip() else ""
    if not value:
        return value
    parts = urlsplit(value)
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not parts.netloc or not secure:
        raise RegistrationError(
            "Give an https:// address (http:// only on this machine, for tests).", field
        )
    return value


def check(reg: Registration) -> Registration:
    """The registration with its values trimmed; RegistrationError for the first bad one."""
    origins = " ".join(_url(o, "frame_origins") for o in reg.frame_origins.split())
    return Registration(
        issuer=_url(reg.issuer, "issuer"),
        client_id=_text(reg.client_id, "client_id"),
        deployment_id=_text(reg.deployment_id, "deployment_id"),
        auth_login_url=_url(reg.auth_login_url, "auth_login_url"),
        auth_token_url=_url(reg.auth_token_url, "auth_token_url"),
        keyset_url=_url(reg.keyset_url, "keyset_url"),
        frame_origins=origins[:1000],
    )


def add_platform(session: Session, reg: Registration) -> tuple[LtiPlatform, bool]:
    """Register a platform, or a further deployment of one already registered (same issuer
    and client id: its URLs are updated). Returns the platform and whether it is new."""
    reg = check(reg)
    platform = session.execute(
        select(LtiPlatform).where(
            LtiPlatform.issuer == reg.issuer, LtiPlatform.client_id == reg.client_id
        )
    ).scalar_one_or_none()
    new = platform is None
    if platform is None:
        platform = LtiPlatform(issuer=reg.issuer, client_id=reg.client_id)
        session.add(platform)
    for name in (*URL_FIELDS, "frame_origins"):
        setattr(platform, name, getattr(reg, name))
    session.flush()
    known = {d.deployment_id for d in platform.deployments}
    if reg.deployment_id not in known:
        session.add(LtiDeployment(platform_id=platform.id, deployment_id=reg.deployment_id))
        session.flush()
    return platform, new


def list_platforms(session: Session) -> list[LtiPlatform]:
    """Every registered platform with its deployments, oldest first."""
    return list(
        session.execute(
            select(LtiPlatform)
            .options(selectinload(LtiPlatform.deployments))
            .order_by(LtiPlatform.id)
        ).scalars()
    )


def remove_platform(session: Session, platform_id: int) -> LtiPlatform | None:
    """Remove a platform with its deployments, identities and links (None if unknown)."""
    platform = session.get(LtiPlatform, platform_id)
    if platform is not None:
        session.delete(platform)
        session.flush()
    return platform
