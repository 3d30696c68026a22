"""Adaptive practice: what each learner knows of each (area, service) pair, every review of
it, and the rounds of cards dealt to them.

A learner is an owner key: "user:<account id>" for a signed-in account, "learner:<cookie id>"
for a browser, "participant:<id>" for a class participant known by nothing else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, utcnow


class PracticePair(Model):
    """The scheduler's memory of one pair for one learner (an FSRS card, plus counts)."""

    __tablename__ = "practice_pairs"
    __table_args__ = (
        UniqueConstraint("owner", "provider", "area", "service", name="uq_practice_pairs_owner"),
        Index("ix_practice_pairs_due", "owner", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    provider: Mapped[str] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(80))
    service: Mapped[str] = mapped_column(String(80))
    state: Mapped[int]  # fsrs.State
    step: Mapped[int | None]
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime]
    last_review: Mapped[datetime | None]
    reviews: Mapped[int] = mapped_column(default=0)
    lapses: Mapped[int] = mapped_column(default=0)
    last_result: Mapped[str | None] = mapped_column(String(16))  # correct | incorrect
    # the last wrong answer matched a misconception the course lists; cleared by a right one
    misconception: Mapped[int | None]


class PracticeReview(Model):
    """One graded placement of a pair: from a scenario attempt, a class answer set or a
    practice round.

    A review from an attempt or a class answer is stored `pending`: graded and kept in the
    attempt's own transaction, but not yet folded into its pair's scheduler state, which
    happens (in the order stored, at each review's own time) the next time anything reads
    that learner's pairs. While pending, `misconception` holds the listed misconception of
    the placement whatever its result (the scheduler rates a right answer on such a pair
    Hard); once folded it is kept only on wrong answers.

    A pending review is also `held` when its attempt's feedback may be held back from the
    learner (an assessment that holds feedback, a class answer set): it is folded only once
    they may see that attempt's feedback (visibility.placements_visible), so the practice
    history never tells them earlier which placements were right."""

    __tablename__ = "practice_reviews"
    __table_args__ = (
        Index("ix_practice_reviews_owner", "owner", "reviewed_at"),
        Index(
            "ix_practice_reviews_pending",
            "owner",
            "id",
            sqlite_where=text("pending = 1"),  # as SQLAlchemy writes the test there
            postgresql_where=text("pending"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))
    provider: Mapped[str] = mapped_column(String(40))
    area: Mapped[str] = mapped_column(String(80))
    service: Mapped[str] = mapped_column(String(80))
    given: Mapped[str | None] = mapped_column(String(16))
    expected: Mapped[str] = mapped_column(String(16))
    correct: Mapped[bool]
    misconception: Mapped[int | None]
    origin: Mapped[str] = mapped_column(String(16))  # attempt | class | practice
    attempt_id: Mapped[str | None] = mapped_column(String(32), index=True)
    round_id: Mapped[str | None] = mapped_column(String(32))
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    held: Mapped[bool] = mapped_column(default=False, server_default=false())


class PracticeRound(Model):
    """A round of cards dealt to one learner; answered once (answered_at set atomically)."""

    __tablename__ = "practice_rounds"
    __table_args__ = (Index("ix_practice_rounds_owner", "owner", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random
    owner: Mapped[str] = mapped_column(String(80))
    provider: Mapped[str] = mapped_column(String(40))
    # [{"id", "area", "service", "text"}]: the answer is derived from the rule set on grading
    cards: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # a class host's practice link: the pairs the room still gets wrong, or None
    pair_set: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class PracticePairSet(Model):
    """A set of pairs an instructor shares as a practice link (a class's weak spots)."""

    __tablename__ = "practice_pair_sets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, in the link
    provider: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    pairs: Mapped[list[list[str]]] = mapped_column(JSON)  # [[area, service], ...]
    created_by: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
