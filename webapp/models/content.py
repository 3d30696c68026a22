"""Scenarios stored in the database: authored ones, and snapshots of built-in ones.

A ScenarioRecord is one scenario id; each ScenarioVersion holds the full document (the
same shape as a scenario file) as it was at that version. Attempts point at the version
they were graded against, so results keep showing what the learner saw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, utcnow

STATUSES = ("draft", "published", "archived")
ORIGINS = ("builtin", "authored")


class ScenarioRecord(Model):
    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    origin: Mapped[str] = mapped_column(String(20), default="authored")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # authored scenarios: the editor's working copy (may not validate yet); None for built-ins
    draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    versions: Mapped[list[ScenarioVersion]] = relationship(
        back_populates="scenario", order_by="ScenarioVersion.number", cascade="all, delete-orphan"
    )


class ScenarioVersion(Model):
    __tablename__ = "scenario_versions"
    __table_args__ = (
        UniqueConstraint("scenario_id", "number", name="uq_scenario_versions_number"),
        UniqueConstraint("scenario_id", "content_hash", name="uq_scenario_versions_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("scenarios.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # set when the version went live; learners play the latest published version
    published_at: Mapped[datetime | None]

    scenario: Mapped[ScenarioRecord] = relationship(back_populates="versions")
