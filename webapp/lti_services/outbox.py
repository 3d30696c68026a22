"""The score outbox: grades are stored with the attempt, then delivered until the LMS has them.

enqueue_score runs inside the transaction that stores the attempt (it never commits), so a
score exists exactly when its attempt does; delivery.deliver_due sends what is due.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import ScoreOutbox
from ..models.base import utcnow
from .ags import ActivityProgress, GradingProgress, Policy

PENDING, SENT, FAILED, SUPERSEDED = "pending", "sent", "failed", "superseded"


@dataclass(frozen=True)
class ScoreTarget:
    """Where a score goes: the platform, the line item (or the launch's line items URL when
    it gave only that: container=True) and the learner's id on that platform."""

    issuer: str
    lineitem_url: str
    user_sub: str
    container: bool = False
    resource_link_id: str | None = None
    label: str | None = None


def target_of(row: ScoreOutbox) -> ScoreTarget:
    """Where a stored score goes."""
    return ScoreTarget(**{f.name: getattr(row, f.name) for f in fields(ScoreTarget)})


def enqueue_score(
    session: Session,
    target: ScoreTarget,
    *,
    attempt_id: str,
    score_given: float,
    score_maximum: float,
    attempted_at: datetime,
    activity: ActivityProgress = ActivityProgress.COMPLETED,
    grading: GradingProgress = GradingProgress.FULLY_GRADED,
    policy: Policy = Policy.LATEST,
) -> ScoreOutbox | None:
    """Store a score to send (the caller commits); None when there is nothing to send.

    The same attempt enqueued again for the same line item finds its row and adds none.
    Under the best-attempt policy a score that does not beat the best one sent or waiting
    is not sent at all.
    """
    if not score_maximum > 0 or not 0 <= score_given <= score_maximum:
        raise ValueError(f"a score of {score_given} out of {score_maximum} cannot be sent")
    existing = _row_for(session, attempt_id, target.lineitem_url)
    if existing is not None:
        return existing
    if policy == Policy.BEST and not _beats_best(session, target, score_given, score_maximum):
        return None
    row = ScoreOutbox(
        **asdict(target),
        score_given=score_given,
        score_maximum=score_maximum,
        activity_progress=str(activity),
        grading_progress=str(grading),
        policy=str(policy),
        attempt_id=attempt_id,
        attempted_at=attempted_at,
        status=PENDING,
        tries=0,
        next_try_at=utcnow(),
    )
    try:
        with session.begin_nested():  # another transaction may store the same attempt now
            session.add(row)
    except IntegrityError:
        return _row_for(session, attempt_id, target.lineitem_url)
    return row


def _row_for(session: Session, attempt_id: str, lineitem_url: str) -> ScoreOutbox | None:
    return session.execute(
        select(ScoreOutbox).where(
            ScoreOutbox.attempt_id == attempt_id, ScoreOutbox.lineitem_url == lineitem_url
        )
    ).scalar_one_or_none()


def _beats_best(session: Session, target: ScoreTarget, given: float, maximum: float) -> bool:
    best = session.execute(
        select(func.max(ScoreOutbox.score_given / ScoreOutbox.score_maximum)).where(
            ScoreOutbox.issuer == target.issuer,
            ScoreOutbox.lineitem_url == target.lineitem_url,
            ScoreOutbox.user_sub == target.user_sub,
            ScoreOutbox.status.in_((PENDING, SENT)),
            ScoreOutbox.score_maximum > 0,
        )
    ).scalar_one()
    return best is None or (maximum > 0 and given / maximum > best + 1e-9)


def pending_counts(session: Session) -> dict[str, int]:
    """How many scores are in each state (for the command line)."""
    return {
        status: count
        for status, count in session.execute(
            select(ScoreOutbox.status, func.count()).group_by(ScoreOutbox.status)
        )
    }
