"""LTI 1.3: the platforms (LMSs) registered with the tool, their deployments, the people
they launch (an identity per issuer and subject), the nonces already used, and the resource
links that place a scenario in a course."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

URL = 1000


class LtiPlatform(Model):
    """One LMS registration: its issuer, the client id it gave the tool, its endpoints."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(URL))
    auth_token_url: Mapped[str] = mapped_column(String(URL))
    keyset_url: Mapped[str] = mapped_column(String(URL))
    # origins besides the issuer's and the login URL's that may frame the tool (Canvas
    # frames from the school's own domain), space-separated
    frame_origins: Mapped[str] = mapped_column(String(URL), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deployments: Mapped[list[LtiDeployment]] = relationship(
        back_populates="platform", cascade="all, delete-orphan", passive_deletes=True
    )


class LtiDeployment(Model):
    """A deployment of the tool on a platform (a whole site, or one course)."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))

    platform: Mapped[LtiPlatform] = relationship(back_populates="deployments")


class LtiIdentity(Model):
    """Someone a platform launched, known by (platform, sub). Learners' attempts, practice
    and attempt limits are kept under learner_id; an instructor also has an account."""

    __tablename__ = "lti_identities"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    learner_id: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiNonce(Model):
    """A launch nonce already used: the unique row makes a replayed id_token fail, even when
    two copies arrive at once on two servers."""

    __tablename__ = "lti_nonces"
    __table_args__ = (UniqueConstraint("platform_id", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LtiResourceLink(Model):
    """A link in a course that opens one scenario (variant, mode), with the grade and roster
    service endpoints the platform sent for it and the instructor's score policy."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("lti_deployments.id", ondelete="CASCADE"))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str | None] = mapped_column(String(255))
    context_title: Mapped[str | None] = mapped_column(String(255))
    scenario_id: Mapped[str] = mapped_column(String(80))
    variant: Mapped[str | None] = mapped_column(String(80))
    mode: Mapped[str] = mapped_column(String(20), default="board")  # board | practice
    lineitem_url: Mapped[str | None] = mapped_column(String(URL))
    lineitems_url: Mapped[str | None] = mapped_column(String(URL))
    ags_scopes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    nrps_url: Mapped[str | None] = mapped_column(String(URL))
    score_policy: Mapped[str] = mapped_column(String(10), default="latest")  # latest | best
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LtiLinkLearner(Model):
    """A learner who launched a course's resource link: the course's analytics count their
    attempts for the instructor who launched it."""

    __tablename__ = "lti_link_learners"
    __table_args__ = (UniqueConstraint("link_id", "identity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"))
    identity_id: Mapped[int] = mapped_column(ForeignKey("lti_identities.id", ondelete="CASCADE"))
    last_launch_at: Mapped[datetime] = mapped_column(default=utcnow)
