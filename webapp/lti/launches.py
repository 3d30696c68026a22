"""What a checked launch leaves behind: the identity of who launched (an account for an
instructor), and the course's resource link with its scenario and service endpoints.
Services: they add and flush, the view commits."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import LtiIdentity, LtiLinkLearner, LtiPlatform, LtiResourceLink, User
from ..models.base import utcnow
from ..services.content import content
from .adapter import AGS_CLAIM, CLAIM, NRPS_CLAIM, Launch, LaunchError

TEACHING_ROLES = ("Instructor", "Administrator", "ContentDeveloper")
MODES = ("board", "practice")
POLICIES = ("latest", "best")
LEARNER_PREFIX = "lti-"


def clean(value: Any, limit: int = 255) -> str | None:
    """A claim's text as it may be stored: control characters and lone surrogates dropped,
    cut to the column's length; None for anything that is not text."""
    if not isinstance(value, str):
        return None
    kept = "".join(
        ch for ch in value if unicodedata.category(ch) not in ("Cc", "Cs") or ch in "\t"
    ).strip()
    return kept[:limit] or None


def teaches(roles: Any) -> bool:
    """Whether the LTI roles make this person an instructor of the course (any role whose
    URI names Instructor, Administrator or ContentDeveloper, sub-roles included)."""
    if not isinstance(roles, list):
        return False
    return any(isinstance(r, str) and any(name in r for name in TEACHING_ROLES) for r in roles)


def record_identity(session: Session, launch: Launch, instructor: bool) -> LtiIdentity:
    """The identity (platform, sub), made on its first launch; name and email refreshed;
    an instructor gets an account of their own, linked to it."""
    claims = launch.claims
    identity = session.execute(
        select(LtiIdentity).where(
            LtiIdentity.platform_id == launch.platform.id, LtiIdentity.sub == claims["sub"]
        )
    ).scalar_one_or_none()
    if identity is None:
        identity = LtiIdentity(
            platform_id=launch.platform.id,
            sub=claims["sub"],
            learner_id=LEARNER_PREFIX + secrets.token_hex(16),
        )
        session.add(identity)
    identity.name = clean(claims.get("name")) or identity.name
    identity.email = clean(claims.get("email"), 254) or identity.email
    identity.last_launch_at = utcnow()
    if instructor and identity.user_id is None:
        # never matched to an existing account by email: a platform could claim anyone's
        account = User(
            email=f"{identity.learner_id}@lti.invalid",
            role="instructor",
            password_hash="!",  # no password: this account signs in only by launch
            active=True,
        )
        session.add(account)
        session.flush()
        identity.user_id = account.id
    session.flush()
    return identity


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _endpoints(claims: dict[str, Any]) -> dict[str, Any]:
    ags, nrps = _mapping(claims.get(AGS_CLAIM)), _mapping(claims.get(NRPS_CLAIM))
    found = ags.get("scope")
    scopes: list[Any] = found if isinstance(found, list) else []
    return {
        "lineitem_url": clean(ags.get("lineitem"), 1000),
        "lineitems_url": clean(ags.get("lineitems"), 1000),
        "ags_scopes": [s for s in (clean(x, 200) for x in scopes) if s],
        "nrps_url": clean(nrps.get("context_memberships_url"), 1000),
    }


@dataclass(frozen=True)
class Target:
    """The scenario a resource link opens."""

    scenario_id: str
    variant: str | None
    mode: str


def target_from(custom: Any, link: LtiResourceLink | None) -> Target:
    """The scenario, variant and mode named by the launch's custom parameters (set by deep
    linking or the platform's admin), else those stored for the link before."""
    custom = custom if isinstance(custom, dict) else {}
    scenario_id = clean(custom.get("scenario"), 80) or (link.scenario_id if link else None)
    if not scenario_id:
        raise LaunchError(
            404,
            "no_scenario",
            "This link does not name a scenario yet. Ask your instructor to choose one.",
        )
    scenario = content().library.scenarios.get(scenario_id)
    if scenario is None:
        raise LaunchError(
            404, "unknown_scenario", "The scenario this link names is not in the trainer."
        )
    variants = {v.id for v in scenario.variants}
    variant = clean(custom.get("variant"), 80) or (link.variant if link else None)
    mode = clean(custom.get("mode"), 20) or (link.mode if link else "board")
    return Target(
        scenario_id,
        variant if variant in variants else None,
        mode if mode in MODES else "board",
    )


def record_link(session: Session, launch: Launch) -> LtiResourceLink:
    """The course's resource link (made on its first launch), with the scenario it opens,
    the course, and the grade and roster endpoints of this launch."""
    claims = launch.claims
    link_claim = launch.claim("resource_link")
    link_id = clean(link_claim.get("id")) if isinstance(link_claim, dict) else None
    if not link_id:
        raise LaunchError(400, "missing_resource_link", "This launch names no resource link.")
    link = session.execute(
        select(LtiResourceLink).where(
            LtiResourceLink.platform_id == launch.platform.id,
            LtiResourceLink.resource_link_id == link_id,
        )
    ).scalar_one_or_none()
    target = target_from(launch.claim("custom"), link)
    if link is None:
        link = LtiResourceLink(platform_id=launch.platform.id, resource_link_id=link_id)
        session.add(link)
    context = _mapping(claims.get(CLAIM + "context"))
    link.deployment_id = launch.deployment.id
    link.context_id = clean(context.get("id")) or link.context_id
    link.context_title = (
        clean(context.get("title")) or clean(context.get("label")) or (link.context_title)
    )
    link.scenario_id, link.variant, link.mode = target.scenario_id, target.variant, target.mode
    for name, value in _endpoints(claims).items():
        if value or name == "ags_scopes":
            setattr(link, name, value)
    if link.score_policy not in POLICIES:
        link.score_policy = "latest"
    session.flush()
    return link


def frame_origins(session: Session) -> list[str]:
    """The origins of every registered platform (issuer, login URL and any extra ones)."""
    from urllib.parse import urlsplit

    found: set[str] = set()
    for platform in session.execute(select(LtiPlatform)).scalars():
        urls = [platform.issuer, platform.auth_login_url, *platform.frame_origins.split()]
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme in ("https", "http") and parts.netloc:
                found.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(found)


def record_learner(session: Session, link: LtiResourceLink, identity: LtiIdentity) -> None:
    """Note that this learner opened the link (flushes): the course's analytics count them."""
    seen = session.execute(
        select(LtiLinkLearner).where(
            LtiLinkLearner.link_id == link.id, LtiLinkLearner.identity_id == identity.id
        )
    ).scalar_one_or_none()
    if seen is None:
        session.add(LtiLinkLearner(link_id=link.id, identity_id=identity.id))
    else:
        seen.last_launch_at = utcnow()
    session.flush()


def course_learner_ids(link_id: int) -> Any:
    """A query of the learner ids of everyone who opened a link of this link's course."""
    from sqlalchemy.orm import aliased

    course = aliased(LtiResourceLink)
    return (
        select(LtiIdentity.learner_id)
        .join(LtiLinkLearner, LtiLinkLearner.identity_id == LtiIdentity.id)
        .join(LtiResourceLink, LtiResourceLink.id == LtiLinkLearner.link_id)
        .join(
            course,
            (course.platform_id == LtiResourceLink.platform_id)
            & (course.context_id == LtiResourceLink.context_id),
        )
        .where(course.id == link_id)
    )
