"""Answers in a class session: graded once, stored once, shown when the host allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..domain import GradeReport, GradingError, RuleSet, grade
from ..models import Attempt, ClassSession, ClassSessionScenario, Participant, ScenarioVersion
from .attempts import record_attempt
from .classroom import SessionError
from .classroom_content import scenario_for_version

ANSWER_FIELDS = {"participant_token", "scenario_id", "variant", "answers"}


@dataclass(frozen=True)
class CheckedAnswers:
    """An answer set that passed every check and is graded, ready to store."""

    session_id: int
    participant_id: int
    class_scenario_id: int
    position: int
    version_id: int
    feedback_after_reveal: bool
    report: GradeReport


def check_answers(session: Session, cs: ClassSession, participant: Participant,
                  data: dict[str, Any], rules: RuleSet) -> CheckedAnswers:
    """Validate and grade an answer set for the open scenario (reads only, stores nothing).

    The caller may end the transaction before store_answers: on SQLite the write lock is
    then held only while the rows are written, not while the answers are graded.
    """
    problems = [f"unknown field '{k}'" for k in sorted(set(data) - ANSWER_FIELDS)]
    sid = data.get("scenario_id")
    item = next((s for s in cs.scenarios if s.scenario_slug == sid), None)
    if not isinstance(sid, str) or item is None:
        problems.append("'scenario_id' must name a scenario of this session")
    answers = data.get("answers")
    if not isinstance(answers, dict):
        problems.append("'answers' must be an object mapping task ids to parties")
    if problems:
        raise SessionError(400, "invalid answers", problems)
    variant = data.get("variant")
    if variant is not None and variant != item.variant:
        raise SessionError(400, "invalid answers",
                           [f"this session plays '{sid}' under variant '{item.variant}'"])
    if cs.phase != "open" or item.position != cs.current_index:
        raise SessionError(409, "answering is closed for this scenario",
                           ["wait for the host to open it"])
    scenario = scenario_for_version(session, item.version_id, rules)
    try:
        report = grade(scenario, item.variant, rules, answers)
    except GradingError as exc:
        raise SessionError(400, "the answers cannot be graded", exc.details) from None
    return CheckedAnswers(cs.id, participant.id, item.id, item.position, item.version_id,
                          cs.feedback_after_reveal, report)


def store_answers(session: Session, checked: CheckedAnswers) -> Attempt:
    """Store a checked answer set exactly once (flushes; the caller commits).

    The UNIQUE(participant, class scenario) constraint makes a retried or concurrent second
    submission fail (409) rather than store twice. After the insert the session row is read
    again under a share lock, so an answer racing the host's "close" is refused, not kept.
    """
    version = session.get(ScenarioVersion, checked.version_id)
    try:
        attempt = record_attempt(session, version, checked.report, None,
                                 participant_id=checked.participant_id,
                                 class_scenario_id=checked.class_scenario_id)
    except IntegrityError:
        raise SessionError(409, "you have already answered this scenario",
                           ["already-answered"]) from None
    phase, index = session.execute(
        select(ClassSession.phase, ClassSession.current_index)
        .where(ClassSession.id == checked.session_id).with_for_update(read=True)).one()
    if phase != "open" or index != checked.position:
        raise SessionError(409, "answering is closed for this scenario",
                           ["the host closed answering as you sent"])
    return attempt


def own_attempts(session: Session, participant: Participant) -> dict[int, Attempt]:
    """Class scenario id -> this participant's attempt (with verdicts)."""
    rows = session.execute(
        select(Attempt).where(Attempt.participant_id == participant.id)
        .options(selectinload(Attempt.verdicts))).scalars()
    return {a.class_scenario_id: a for a in rows}


def feedback_visible(cs: ClassSession, item: ClassSessionScenario) -> bool:
    """May a learner see the expected parties and explanations for this scenario now?"""
    if not cs.feedback_after_reveal or cs.phase == "ended":
        return True
    return item.position < cs.current_index or (
        item.position == cs.current_index and cs.phase == "revealed")
