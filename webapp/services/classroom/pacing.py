"""Pacing a class without losing placements: countdowns, drafts, and the send at the close.

While answering is open a learner's screen saves their placements as a draft. When
answering closes (the host's close, reveal or end, or the countdown running out) every draft
of a learner with an answer set left becomes that set, marked as sent by the close or the
timer. A learner who placed nothing has no answer, as before.

A countdown needs no process of its own: the first request that looks at the session after
`closes_at` (plus a short grace for the last drafts in flight) closes it, with the same
conditional UPDATE as the host's button, so exactly one request does it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...domain import GradingError, RuleSet, grade
from ...domain.phases import Phase
from ...models import ClassDraft, ClassSession, ClassSessionScenario, Participant
from ...models.base import utcnow
from . import sessions as svc
from .answers import CheckedAnswers, _tries_sent, store_checked
from .errors import Invalid

log = logging.getLogger(__name__)

COUNTDOWN_MIN, COUNTDOWN_MAX = 3, 3600  # seconds
# drafts saved in the last moment of a countdown still arrive before it closes
GRACE = timedelta(seconds=1.5)
SENT_BY = ("timer", "close")

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


def check_countdown(raw: Any) -> int | None:
    """Seconds of a countdown asked for with "open" (None or 0: no countdown); 400 if bad."""
    if raw is None or raw == 0:
        return None
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int)
        or not (COUNTDOWN_MIN <= raw <= COUNTDOWN_MAX)
    ):
        raise Invalid(
            "invalid pacing request",
            [
                f"'countdown' must be a number of seconds from {COUNTDOWN_MIN}"
                f" to {COUNTDOWN_MAX}, or 0 for none"
            ],
        )
    return raw


def pace(
    session: Session,
    cs: ClassSession,
    action: str,
    rules: RuleSet,
    expect: tuple[str, int] | None = None,
    countdown: int | None = None,
) -> ClassSession:
    """A host's pacing action; leaving "open" sends the learners' drafts first."""
    was_open = cs.phase == Phase.OPEN
    if countdown is not None and action != "open":
        raise Invalid("invalid pacing request", ["'countdown' goes with 'open' only"])
    closes_at = utcnow() + timedelta(seconds=countdown) if countdown else None
    item = svc.current_scenario(cs)
    svc.act(session, cs, action, expect=expect, closes_at=closes_at)
    if was_open and item is not None:
        send_drafts(session, cs, item, "close", rules)
    return cs


def close_if_due(session: Session, cs: ClassSession, rules: RuleSet) -> bool:
    """Close answering when its countdown has run out (and send the drafts); True if this
    call closed it. The caller commits."""
    if cs.phase != Phase.OPEN or cs.closes_at is None or cs.closes_at + GRACE > utcnow():
        return False
    changed = cast(
        "CursorResult[Any]",
        session.execute(
            update(ClassSession)
            .where(
                ClassSession.id == cs.id,
                ClassSession.phase == Phase.OPEN,
                ClassSession.current_index == cs.current_index,
                ClassSession.closes_at == cs.closes_at,
            )
            .values(
                phase=Phase.CLOSED, closes_at=None, state_version=ClassSession.state_version + 1
            )
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    item = svc.current_scenario(cs)
    session.refresh(cs)
    if not changed or item is None:
        return False
    send_drafts(session, cs, item, "timer", rules)
    return True


def due(closes_at: datetime | None, now: datetime | None = None) -> bool:
    """Has a countdown run out, grace included?"""
    return closes_at is not None and closes_at + GRACE <= (now or utcnow())


def seconds_left(cs: ClassSession) -> int | None:
    """Whole seconds until the countdown closes answering (None without one)."""
    if cs.phase != Phase.OPEN or cs.closes_at is None:
        return None
    return max(0, round((cs.closes_at - utcnow()).total_seconds()))


def send_drafts(
    session: Session, cs: ClassSession, item: ClassSessionScenario, sent_by: str, rules: RuleSet
) -> int:
    """Store each learner's draft for this scenario as their next answer set (marked
    sent_by), where they have a set left and placed at least one card; then drop the
    drafts. Runs in the transaction that closed answering; returns how many were sent."""
    sent = _tries_sent(ClassDraft.participant_id, ClassDraft.class_scenario_id).scalar_subquery()
    rows = session.execute(
        select(ClassDraft.participant_id, ClassDraft.class_try, ClassDraft.answers, sent)
        .join(Participant, Participant.id == ClassDraft.participant_id)
        .where(ClassDraft.class_scenario_id == item.id, Participant.removed.is_(False))
        .order_by(ClassDraft.id)
    ).all()
    scenario = svc.scenario_of(session, item, rules)
    stored = 0
    for participant_id, class_try, answers, already in rows:
        placed = {k: v for k, v in (answers or {}).items() if v}
        if not placed or class_try != already + 1 or already >= cs.answer_sets:
            continue  # placed nothing (no answer), or this set was sent by the learner
        try:
            report = grade(scenario, item.variant, rules, placed)
        except GradingError:  # checked when saved; a draft never blocks the close
            log.warning("class draft of participant %s could not be graded", participant_id)
            continue
        store_checked(
            session,
            CheckedAnswers(
                cs.id,
                participant_id,
                item.id,
                item.position,
                item.version_id,
                cs.feedback_after_reveal,
                report,
                class_try,
                sent_by,
            ),
        )
        stored += 1
    session.execute(delete(ClassDraft).where(ClassDraft.class_scenario_id == item.id))
    if stored:
        log.info("session %s: %d answer sets sent by the %s", cs.code, stored, sent_by)
    return stored


def save_draft(session: Session, checked: CheckedAnswers) -> int:
    """Keep a learner's current placements (checked like an answer set); returns how many
    cards are placed. One row per learner and scenario, replaced on every save."""
    answers = {r.task_id: r.given for r in checked.report.results if r.given is not None}
    values = {"class_try": checked.class_try, "answers": answers, "updated_at": utcnow()}
    where = (
        ClassDraft.participant_id == checked.participant_id,
        ClassDraft.class_scenario_id == checked.class_scenario_id,
    )
    changed = cast(
        "CursorResult[Any]",
        session.execute(
            update(ClassDraft)
            .where(*where)
            .values(**values)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not changed:
        try:
            with session.begin_nested():
                session.add(
                    ClassDraft(
                        participant_id=checked.participant_id,
                        class_scenario_id=checked.class_scenario_id,
                        **values,
                    )
                )
        except IntegrityError:  # the same learner's other save got in first: replace it
            session.execute(
                update(ClassDraft)
                .where(*where)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    return len(answers)


def draft_of(
    session: Session, participant_id: int, item: ClassSessionScenario
) -> ClassDraft | None:
    """A learner's saved placements for a scenario, if any."""
    return session.execute(
        _DRAFT_OF, {"participant_id": participant_id, "item_id": item.id}
    ).scalar_one_or_none()


_DRAFT_OF = select(ClassDraft).where(
    ClassDraft.participant_id == bindparam("participant_id"),
    ClassDraft.class_scenario_id == bindparam("item_id"),
)
