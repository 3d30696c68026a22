"""What a learner's screen should show now: the cheap, cacheable state of a session."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ...domain import RuleSet
from ...domain.phases import Phase
from ...models import Attempt, ClassSession, ClassSessionScenario, Participant
from ..attempts import stored_result
from ..visibility import Feedback
from .content import document_of_version, scenario_for_version
from .errors import NotFound
from .sessions import normalise_code


@lru_cache(maxsize=1)
def _head_query():
    # built once: this runs for every poll of every learner
    return (
        select(
            ClassSession.id, ClassSession.phase, ClassSession.state_version, ClassSession.closes_at
        )
        .where(ClassSession.code == bindparam("code"))
        .order_by(ClassSession.id.desc())
        .limit(1)
    )


def state_head(session: Session, code: Any):
    """(id, phase, state_version, closes_at) of a session by code: one single-row query."""
    code = normalise_code(code)
    row = session.execute(_head_query(), {"code": code}).first() if code else None
    if row is None:
        raise NotFound("no class session has this code")
    return row


def state_body(session: Session, session_id: int, rules: RuleSet) -> dict[str, Any]:
    """The session-wide state every learner polls (no per-learner data, so one ETag fits all)."""
    joined = (
        select(func.count())
        .select_from(Participant)
        .where(Participant.session_id == ClassSession.id, Participant.removed.is_(False))
        .correlate(ClassSession)
        .scalar_subquery()
    )
    removed = (
        select(func.count())
        .select_from(Participant)
        .where(Participant.session_id == ClassSession.id, Participant.removed.is_(True))
        .correlate(ClassSession)
        .scalar_subquery()
    )
    total = (
        select(func.count())
        .select_from(ClassSessionScenario)
        .where(ClassSessionScenario.session_id == ClassSession.id)
        .correlate(ClassSession)
        .scalar_subquery()
    )
    row = session.execute(
        select(
            ClassSession.code,
            ClassSession.phase,
            ClassSession.state_version,
            ClassSession.current_index,
            ClassSession.show_leaderboard,
            ClassSession.feedback_after_reveal,
            ClassSession.closes_at,
            ClassSession.join_locked,
            ClassSessionScenario.scenario_slug,
            ClassSessionScenario.variant,
            ClassSessionScenario.version_id,
            joined.label("joined"),
            removed.label("removed"),
            total.label("total"),
        )
        .outerjoin(
            ClassSessionScenario,
            (ClassSessionScenario.session_id == ClassSession.id)
            & (ClassSessionScenario.position == ClassSession.current_index),
        )
        .where(ClassSession.id == session_id)
    ).one()
    scenario = None
    if row.scenario_slug is not None:
        built = scenario_for_version(session, row.version_id, rules)
        scenario = {
            "id": row.scenario_slug,
            "variant": row.variant,
            "title": built.title,
            "variant_title": variant_title(built, row.variant),
            "position": row.current_index + 1,
            "count": row.total,
        }
    removed_ids = []
    if row.removed:  # removed learners' pages notice from this list and leave
        removed_ids = list(
            session.execute(
                select(Participant.id).where(
                    Participant.session_id == session_id, Participant.removed.is_(True)
                )
            ).scalars()
        )
    return {
        "code": row.code,
        "version": row.state_version,
        "phase": row.phase,
        "participants": row.joined,
        "scenario": scenario,
        "show_leaderboard": row.show_leaderboard,
        "feedback": "after-reveal" if row.feedback_after_reveal else "immediate",
        "removed": removed_ids,
        "join_locked": row.join_locked,
        # a countdown's end, UTC; the learner's page counts down from its own panel
        "closes_at": (
            row.closes_at.isoformat() + "Z" if row.closes_at and row.phase == Phase.OPEN else None
        ),
        "screen": screen_key(row.phase, row.current_index, row.show_leaderboard),
    }


def variant_title(scenario, variant: str | None) -> str | None:
    """The name of the variant a session plays a scenario under (None without one)."""
    return scenario.variant(variant).title if variant and scenario.variants else None


def screen_key(phase: str, index: int, show_leaderboard: bool) -> str:
    """What the learner's panel shows; it is re-rendered only when this changes.

    Joins do not change it, and neither does the leaderboard while answering is open, so a
    learner's half-sorted board is never replaced under their fingers.
    """
    key = f"{phase}:{index}"
    return key if phase == Phase.OPEN else f"{key}:{int(show_leaderboard)}"


def result_body(
    session: Session, cs: ClassSession, attempt: Attempt, rules: RuleSet, feedback: Feedback
) -> dict[str, Any]:
    """A stored answer set in the grade endpoint's shape, as much as `feedback` allows
    (visibility.for_class decides it for the learner looking)."""
    if feedback.key:
        stored = stored_result(
            session, attempt, rules, document_of_version(session, attempt.version_id)
        )
        return {
            "scenario_id": attempt.scenario_slug,
            "variant": attempt.variant,
            "feedback": "shown",
            "score": round(attempt.score, 4),
            "correct": attempt.correct,
            "total": attempt.total,
            "answered": sum(1 for r in stored.results if r.given is not None),
            "results": [r.as_dict() for r in stored.results],
        }
    body = withheld_body(
        cs,
        attempt.scenario_slug,
        attempt.variant,
        [(v.task_id, v.given) for v in attempt.verdicts],
        feedback.note,
    )
    if feedback.score:
        body.update(score=round(attempt.score, 4), correct=attempt.correct)
    return body


def withheld_body(
    cs, scenario_id: str, variant: str | None, given: list[tuple[str, str | None]], note: str
) -> dict[str, Any]:
    """Received, not yet marked: what the learner placed, without verdict or expected party.

    cs: the ClassSession, or the answer endpoint's locked Target. "feedback" is
    "after-reveal" when the session shows answers at the reveal, else "withheld" (feedback
    straight away, held back while the learner can still answer).
    """
    return {
        "scenario_id": scenario_id,
        "variant": variant,
        "feedback": "after-reveal" if cs.feedback_after_reveal else "withheld",
        "note": note,
        "score": None,
        "correct": None,
        "total": len(given),
        "answered": sum(1 for _, g in given if g is not None),
        "results": [{"task_id": t, "given": g} for t, g in given],
    }
