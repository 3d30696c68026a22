"""Graded attempts. Per-task verdicts live in their own rows so analytics aggregate in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow


class Attempt(Model):
    __tablename__ = "attempts"
    # each try of a class participant at a scenario is stored once: the database enforces it
    __table_args__ = (
        UniqueConstraint(
            "participant_id", "class_scenario_id", "class_try", name="uq_attempts_participant_try"
        ),
        # analytics: score histogram and learner count from the index alone
        Index(
            "ix_attempts_analytics",
            "scenario_slug",
            "score",
            "correct",
            "total",
            "version_id",
            "learner_id",
            "participant_id",
            "variant",
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, shareable
    scenario_slug: Mapped[str] = mapped_column(String(80), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("scenario_versions.id"), index=True)
    variant: Mapped[str | None] = mapped_column(String(80))
    learner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # the signed-in account that made the attempt: assessments count attempts per account
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    class_scenario_id: Mapped[int | None] = mapped_column(
        ForeignKey("class_session_scenarios.id", ondelete="CASCADE"), index=True
    )
    # a class answer set's try number (1, 2, ...; the last one counts); None outside a class
    class_try: Mapped[int | None]
    # a class answer set sent for the learner when answering closed: "timer" or "close";
    # None when the learner sent it (and outside a class)
    class_sent_by: Mapped[str | None] = mapped_column(String(10))
    task_order: Mapped[list[str] | None] = mapped_column(JSON)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    score: Mapped[float]
    correct: Mapped[int]
    total: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    verdicts: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", order_by="AttemptAnswer.position", cascade="all, delete-orphan"
    )


class AttemptAnswer(Model):
    """One task of one attempt: the party given (None if unanswered) and the party expected.

    scenario_slug and version_id copy the attempt's (record_attempt writes both), so the
    per-task analytics read one covering index instead of joining 1.6 M rows to attempts.
    """

    __tablename__ = "attempt_answers"
    __table_args__ = (
        Index(
            "ix_attempt_answers_analytics",
            "scenario_slug",
            "task_id",
            "given",
            "correct",
            "version_id",
        ),
    )

    attempt_id: Mapped[str] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    task_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int]
    given: Mapped[str | None] = mapped_column(String(16))
    expected: Mapped[str] = mapped_column(String(16))
    correct: Mapped[bool]
    scenario_slug: Mapped[str] = mapped_column(String(80))  # = attempt.scenario_slug
    version_id: Mapped[int]  # = attempt.version_id (the attempt's foreign key guards it)

    attempt: Mapped[Attempt] = relationship(back_populates="verdicts")
