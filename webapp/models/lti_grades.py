"""Scores waiting to reach a learning platform's gradebook (LTI Assignment and Grade Services).

One row per score to send: a down platform keeps it here, retried with backoff, so no grade
is lost; (attempt, line item) is unique, so storing the same attempt twice never counts twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow

URL_MAX = 2000


class ScoreOutbox(Model):
    """A score for one learner on one line item, and how its delivery is going.

    status: "pending" (due at next_try_at; a claim moves next_try_at on by a lease, so a
    sender that dies mid-send leaves the row due again), "sent", or "failed" (the platform
    refused it for good; last_error says why).
    """

    __tablename__ = "lti_score_outbox"
    __table_args__ = (
        UniqueConstraint("attempt_id", "lineitem_url", name="uq_lti_score_outbox_attempt"),
        Index("ix_lti_score_outbox_due", "status", "next_try_at"),
        Index("ix_lti_score_outbox_target", "issuer", "lineitem_url", "user_sub"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(255))
    # the line item, or (container) the launch's line items URL when it gave only that
    lineitem_url: Mapped[str] = mapped_column(String(URL_MAX))
    container: Mapped[bool] = mapped_column(default=False)
    resource_link_id: Mapped[str | None] = mapped_column(String(255))
    label: Mapped[str | None] = mapped_column(String(255))
    # the line item found or made in the container, once known
    resolved_url: Mapped[str | None] = mapped_column(String(URL_MAX))
    user_sub: Mapped[str] = mapped_column(String(255))
    score_given: Mapped[float] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    policy: Mapped[str] = mapped_column(String(10), default="latest")
    attempt_id: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime]  # the score's timestamp: the platform keeps the newest
    status: Mapped[str] = mapped_column(String(10), default="pending")
    tries: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow)
    claim: Mapped[str | None] = mapped_column(String(32))  # the sender holding the row now
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
