"""Answers in a class session: graded once, stored once, shown when the host allows."""

from __future__ import annotations

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


def submit_answers(session: Session, cs: ClassSession, participant: Participant,
                   data: dict[str, Any], rules: RuleSet) -> tuple[GradeReport, Attempt]:
    """Grade and store one participant's answer set for the open scenario, exactly once.

    The UNIQUE(participant, class scenario) constraint makes a retried or concurrent second
    submission fail (409) rather than store twice. After the insert the session row is read
    again under a share lock, so an answer racing the host's "close" is refused, not kept.
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
    version = session.get(ScenarioVersion, item.version_id)
    try:
        attempt = record_attempt(session, version, report, None,
                                 participant_id=participant.id, class_scenario_id=item.id)
    except IntegrityError:
        raise SessionError(409, "you have already answered this scenario",
                           ["already-answered"]) from None
    phase, index = session.execute(
        select(ClassSession.phase, ClassSession.current_index)
        .where(ClassSession.id == cs.id).with_for_update(read=True)).one()
    if phase != "open" or index != item.position:
        raise SessionError(409, "answering is closed for this scenario",
                           ["the host closed answering as you sent"])
    return report, attempt


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
