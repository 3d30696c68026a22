"""Live class sessions. All state lives here, so any number of workers serve one class."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.phases import Phase
from .base import Model, utcnow


class ClassSession(Model):
    __tablename__ = "class_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), index=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    phase: Mapped[str] = mapped_column(String(20), default=Phase.LOBBY)
    current_index: Mapped[int] = mapped_column(default=0)
    # bumped on every change a learner's screen must follow: the ETag of the state endpoint
    state_version: Mapped[int] = mapped_column(default=1)
    show_leaderboard: Mapped[bool] = mapped_column(default=False)
    feedback_after_reveal: Mapped[bool] = mapped_column(default=True)
    # how many answer sets a learner may send per scenario while it is open (the last counts)
    answer_sets: Mapped[int] = mapped_column(default=1, server_default="1")
    # when the host opened answering with a countdown: the moment it closes by itself
    closes_at: Mapped[datetime | None]
    # the host locked joining: learners already in carry on, nobody new gets in
    join_locked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # the host chose to see how the room places cards while answering is open
    show_live: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    scenarios: Mapped[list[ClassSessionScenario]] = relationship(
        back_populates="session",
        order_by="ClassSessionScenario.position",
        cascade="all, delete-orphan",
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", order_by="Participant.joined_at", cascade="all, delete-orphan"
    )


class ClassSessionScenario(Model):
    __tablename__ = "class_session_scenarios"
    __table_args__ = (
        UniqueConstraint("session_id", "position", name="uq_class_session_scenarios_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("class_sessions.id", ondelete="CASCADE"))
    position: Mapped[int]
    scenario_slug: Mapped[str] = mapped_column(String(80))
    version_id: Mapped[int] = mapped_column(ForeignKey("scenario_versions.id"))
    variant: Mapped[str | None] = mapped_column(String(80))
    # when the host revealed this scenario's answers to the room (None: never)
    revealed_at: Mapped[datetime | None]

    session: Mapped[ClassSession] = relationship(back_populates="scenarios")


class Participant(Model):
    __tablename__ = "participants"
    __table_args__ = (
        UniqueConstraint("session_id", "nickname_key", name="uq_participants_nickname"),
        UniqueConstraint(
            "session_id", "lms_issuer", "lms_user_id", name="uq_participants_lms_user"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    nickname: Mapped[str] = mapped_column(String(40))
    nickname_key: Mapped[str] = mapped_column(String(40))  # case-folded, for uniqueness
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    removed: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # a learner who came from the course's LMS: the platform and its id for them, and the
    # name the course roster gives them (shown to the host instead of the nickname)
    lms_issuer: Mapped[str | None] = mapped_column(String(255))
    lms_user_id: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(200))

    session: Mapped[ClassSession] = relationship(back_populates="participants")

    @property
    def shown_name(self) -> str:
        """The name the host's screens and the report use: the LMS name, else the nickname."""
        return self.display_name or self.nickname


class RosterEntry(Model):
    """A member of the course roster brought into a class session from the LMS (LTI Names
    and Role Provisioning). Only what the host's screens need is kept: no email address."""

    __tablename__ = "class_roster"
    __table_args__ = (
        UniqueConstraint("session_id", "issuer", "user_id", name="uq_class_roster_member"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True
    )
    issuer: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    learner: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClassDraft(Model):
    """A learner's placements while answering is open, saved as they change.

    Closing answering (by the host or the countdown) sends a draft as the learner's answer
    set, so a reload, a locked phone or the close never loses what they placed.
    """

    __tablename__ = "class_drafts"
    __table_args__ = (
        UniqueConstraint(
            "participant_id", "class_scenario_id", name="uq_class_drafts_participant_scenario"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    class_scenario_id: Mapped[int] = mapped_column(
        ForeignKey("class_session_scenarios.id", ondelete="CASCADE"), index=True
    )
    class_try: Mapped[int]  # the answer set the draft would become
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
