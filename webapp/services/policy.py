"""Practice and assessment: how many attempts a learner has used, and their best score.

Practice (the default): unlimited attempts. Assessment: an optional attempt limit counted
per signed-in account, or per browser (the anonymous learner cookie) for anonymous
learners. Who may see feedback, and when, is decided in visibility.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..domain import Settings
from ..domain.schema import Mode
from ..models import Attempt


@dataclass(frozen=True)
class AttemptStatus:
    """Where a learner stands on one scenario."""

    settings: Settings
    used: int
    best: float | None

    @property
    def limit(self) -> int | None:
        return self.settings.max_attempts if self.settings.assessment else None

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    @property
    def can_attempt(self) -> bool:
        return self.remaining is None or self.remaining > 0

    @property
    def passed(self) -> bool:
        return self.best is not None and self.best >= self.settings.pass_score


def settings_from_document(doc: dict[str, Any]) -> Settings:
    """The settings stored in a scenario version's document (defaults where absent)."""
    raw = doc.get("settings") or {}
    defaults = Settings()
    return Settings(
        mode=raw.get("mode", defaults.mode),
        max_attempts=raw.get("max_attempts", defaults.max_attempts),
        feedback=raw.get("feedback", defaults.feedback),
        pass_score=float(raw.get("pass_score", defaults.pass_score)),
        feedback_per_card=raw.get("feedback_per_card") is True,
    )


def needs_count(settings: Settings) -> bool:
    """Whether storing an attempt depends on the attempts made before (a limited assessment)."""
    return settings.mode == Mode.ASSESSMENT and settings.max_attempts is not None


def attempt_status(
    session: Session,
    settings: Settings,
    scenario_slug: str,
    learner_id: str | None,
    user_id: int | None = None,
) -> AttemptStatus:
    """Count a learner's own attempts at a scenario (class sessions not included): the
    signed-in account's (user_id) when given, else this browser's (learner_id)."""
    if user_id is not None:
        mine = Attempt.user_id == user_id
    elif learner_id:
        mine = Attempt.learner_id == learner_id
    else:
        return AttemptStatus(settings, 0, None)
    used, best = session.execute(
        select(func.count(Attempt.id), func.max(Attempt.score)).where(
            mine, Attempt.scenario_slug == scenario_slug, Attempt.participant_id.is_(None)
        )
    ).one()
    return AttemptStatus(settings, used, best)


def lock_attempts(
    session: Session,
    settings: Settings,
    scenario_slug: str,
    learner_id: str | None,
    user_id: int | None = None,
) -> None:
    """Serialise one learner's submissions to a limited assessment until the transaction ends.

    Call before attempt_status when the count decides whether an attempt may be stored, in
    the transaction that stores it: otherwise two simultaneous submissions on PostgreSQL
    (read committed) both count the same attempts and both pass the limit. SQLite needs no
    lock: requests that write take BEGIN IMMEDIATE (see database.py).
    """
    who = f"user:{user_id}" if user_id is not None else learner_id
    if not needs_count(settings) or not who:
        return
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(
        f"attempt-limit\0{who}\0{scenario_slug}".encode(), digest_size=8
    ).digest()
    key = int.from_bytes(digest, "big", signed=True)  # pg_advisory_xact_lock takes a bigint
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
