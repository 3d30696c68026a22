"""Answers in a class session: graded once, stored once, shown when the host allows.

A session lets each learner send one answer set per scenario, or as many as the host set
(ClassSession.answer_sets); each is a numbered try, and the last one sent is the one that
counts. UNIQUE(participant, class scenario, try) stores every try exactly once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from ... import signals
from ...domain import GradeReport, GradingError, RuleSet, grade
from ...domain.grader import CORRECT
from ...domain.text import quote
from ...models import (
    Attempt,
    AttemptAnswer,
    ClassSession,
    ClassSessionScenario,
    Participant,
    ScenarioVersion,
)
from ..attempts import record_attempt
from .content import scenario_for_version
from .sessions import SessionError, latest_by_code, token_hash_of

ANSWER_FIELDS = {"participant_token", "scenario_id", "variant", "answers", "answer_set"}


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
    class_try: int = 1  # 1 for the first answer set sent, 2 for the second...
    sent_by: str | None = None  # "timer" or "close" when sent for the learner at the close


def check_answers(session: Session, cs: ClassSession, participant: Participant,
                  data: dict[str, Any], rules: RuleSet) -> CheckedAnswers:
    """Validate and grade an answer set for the open scenario (reads only, stores nothing).

    The caller may end the transaction before store_answers: on SQLite the write lock is
    then held only while the rows are written, not while the answers are graded.
    """
    sid = data.get("scenario_id")
    item = next((s for s in cs.scenarios if s.scenario_slug == sid), None)
    sent = session.execute(_tries_sent(participant.id, item.id)).scalar_one() if item else 0
    report = _check_and_grade(session, data, item is not None and cs.phase == "open"
                              and item.position == cs.current_index,
                              item.variant if item else None,
                              item.version_id if item else None, item is not None, rules,
                              sent, cs.answer_sets)
    return CheckedAnswers(cs.id, participant.id, item.id, item.position, item.version_id,
                          cs.feedback_after_reveal, report, sent + 1)


def _tries_sent(participant_id, item_id):
    """How many answer sets a participant has sent for a class scenario (its last try)."""
    return (select(func.coalesce(func.max(Attempt.class_try), 0))
            .where(Attempt.participant_id == participant_id,
                   Attempt.class_scenario_id == item_id))


def last_try():
    """A condition on Attempt: no later answer set of the same learner for the same scenario
    (the set that counts)."""
    later = aliased(Attempt)
    return ~exists().where(later.participant_id == Attempt.participant_id,
                           later.class_scenario_id == Attempt.class_scenario_id,
                           later.class_try > Attempt.class_try)


def used_up(allowed: int) -> SessionError:
    """The 409 for an answer set beyond the host's limit."""
    message = ("you have already answered this scenario" if allowed == 1 else
               f"you have sent all {allowed} answer sets this session allows for this scenario")
    return SessionError(409, message, ["already-answered"])


def already_stored(number: int) -> SessionError:
    """The 409 for answer set `number` sent again: a resent request, or a concurrent one."""
    return SessionError(409, f"answer set {number} is already stored", ["already-answered"])


def _stored_concurrently(number: int) -> SessionError:
    """The 409 when another request stored the same set first: the learner has answered."""
    return used_up(1) if number == 1 else already_stored(number)


def _check_and_grade(session: Session, data: dict[str, Any], is_open: bool,
                     item_variant: str | None, version_id: int | None, known: bool,
                     rules: RuleSet, sent: int, allowed: int) -> GradeReport:
    """The checks both answer paths share: the body (400), open for answers (409), answer
    sets left (409), then grading.

    answer_set, optional in the body, numbers the set the learner means to send (1, 2...):
    a request resent after a lost reply then finds its set stored (409 already-answered)
    instead of storing a copy as the next set.
    """
    sid = data.get("scenario_id")
    problems = [f"unknown field {quote(k)}" for k in sorted(set(data) - ANSWER_FIELDS)]
    if not isinstance(sid, str) or not known:
        problems.append("'scenario_id' must name a scenario of this session")
    answers = data.get("answers")
    if not isinstance(answers, dict):
        problems.append("'answers' must be an object mapping task ids to parties")
    number = data.get("answer_set")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int)
                               or number < 1):
        problems.append("'answer_set' must be a whole number from 1: which set this is")
    if problems:
        raise SessionError(400, "invalid answers", problems)
    variant = data.get("variant")
    if variant is not None and variant != item_variant:
        raise SessionError(400, "invalid answers",
                           [f"this session plays {quote(sid)} under variant {quote(item_variant)}"])
    if not is_open:
        raise SessionError(409, "answering is closed for this scenario",
                           ["wait for the host to open it"])
    if number is not None and number <= sent:  # a resent request: this set is stored
        raise already_stored(number)
    if sent >= allowed:
        raise used_up(allowed)
    if number is not None and number != sent + 1:
        raise SessionError(400, "invalid answers",
                           [f"'answer_set' {number} is not the next set: that is {sent + 1}"])
    scenario = scenario_for_version(session, version_id, rules)
    try:
        return grade(scenario, item_variant, rules, answers)
    except GradingError as exc:
        raise SessionError(400, "the answers cannot be graded", exc.details) from None


# --- the JSON endpoint's path: one transaction, few round trips --------------------------

@dataclass(frozen=True)
class Target:
    """The live session an answer set is sent to, its row share-locked until commit."""

    id: int
    code: str
    phase: str
    current_index: int
    feedback_after_reveal: bool
    answer_sets: int


def lock_target(session: Session, code: Any) -> Target:
    """The session by code, share-locked (404 unknown, 410 ended).

    The share lock holds the host's open/close/reveal until this transaction ends, so an
    answer checked against "open" is stored before answering closes, never after. (SQLite
    has no row locks; there a writing request holds the database's write lock throughout.)
    """
    row = latest_by_code(session, select(
        ClassSession.id, ClassSession.code, ClassSession.phase, ClassSession.current_index,
        ClassSession.feedback_after_reveal, ClassSession.answer_sets
    ).with_for_update(read=True), code)
    if row.phase == "ended":
        raise SessionError(410, "this class session has ended")
    return Target(*row)


def check_submission(session: Session, target: Target, token: Any, data: dict[str, Any],
                     rules: RuleSet) -> CheckedAnswers:
    """Who sends (403), what (400), whether answering is open (409); then grade.

    One query finds the participant, the named scenario of the session and how many answer
    sets the participant has sent for it.
    """
    sid = data.get("scenario_id")
    key = token_hash_of(token)
    sent = _tries_sent(Participant.id, ClassSessionScenario.id).scalar_subquery()
    row = session.execute(
        select(Participant.id, Participant.removed, ClassSessionScenario.id,
               ClassSessionScenario.position, ClassSessionScenario.variant,
               ClassSessionScenario.version_id, sent)
        .outerjoin(ClassSessionScenario,
                   (ClassSessionScenario.session_id == Participant.session_id)
                   & (ClassSessionScenario.scenario_slug == (sid if isinstance(sid, str)
                                                              else None)))
        .where(Participant.token_hash == key,
               Participant.session_id == target.id)).first() if key else None
    if row is None:
        raise SessionError(403, "this participant token is not valid for this session",
                           ["join the session again from the join page"])
    participant_id, removed, item_id, position, item_variant, version_id, sent = row
    if removed:
        raise SessionError(403, "the host removed you from this session")
    report = _check_and_grade(session, data, item_id is not None and target.phase == "open"
                              and position == target.current_index, item_variant, version_id,
                              item_id is not None, rules, sent, target.answer_sets)
    return CheckedAnswers(target.id, participant_id, item_id, position, version_id,
                          target.feedback_after_reveal, report, sent + 1)


def store_checked(session: Session, checked: CheckedAnswers) -> str:
    """Store an answer set checked under lock_target's lock; returns the attempt id.

    Two INSERT statements (the attempt, then all its per-task rows in one multi-row insert),
    without building ORM objects: this runs for a whole room within seconds. The rows hold
    what record_attempt stores for an attempt. The UNIQUE(participant, class scenario, try)
    constraint turns a concurrent submission of the same try into a 409, not a second row.
    """
    report = checked.report
    attempt = {"id": secrets.token_hex(16), "scenario_slug": report.scenario_id,
               "version_id": checked.version_id, "variant": report.variant,
               "learner_id": None, "participant_id": checked.participant_id,
               "class_scenario_id": checked.class_scenario_id,
               "class_try": checked.class_try, "class_sent_by": checked.sent_by,
               "task_order": None,
               "answers": {r.task_id: r.given for r in report.results if r.given is not None},
               "score": report.score, "correct": report.correct, "total": report.total}
    # per-task rows copy these attempt columns where the schema has them (analytics)
    copied = {name: attempt[name] for name in ("scenario_slug", "version_id")
              if name in AttemptAnswer.__table__.c}
    rows = [{"attempt_id": attempt["id"], "task_id": r.task_id, "position": i,
             "given": r.given, "expected": r.expected, "correct": r.verdict == CORRECT,
             **copied} for i, r in enumerate(report.results)]
    try:  # only this insert can meet the unique constraint; any other error is a 500
        session.execute(insert(Attempt.__table__), [attempt])
    except IntegrityError:
        raise _stored_concurrently(checked.class_try) from None
    session.execute(insert(AttemptAnswer.__table__), rows)
    _announce(session, checked, attempt["id"])
    return attempt["id"]


def store_answers(session: Session, checked: CheckedAnswers) -> Attempt:
    """Store a checked answer set exactly once (flushes; the caller commits).

    The UNIQUE(participant, class scenario, try) constraint makes a concurrent submission of
    the same try fail (409) rather than store twice. After the insert the session row is read
    again under a share lock, so an answer racing the host's "close" is refused, not kept.
    """
    version = session.get(ScenarioVersion, checked.version_id)
    try:
        attempt = record_attempt(session, version, checked.report, None,
                                 participant_id=checked.participant_id,
                                 class_scenario_id=checked.class_scenario_id,
                                 class_try=checked.class_try)
    except IntegrityError:
        raise _stored_concurrently(checked.class_try) from None
    phase, index = session.execute(
        select(ClassSession.phase, ClassSession.current_index)
        .where(ClassSession.id == checked.session_id).with_for_update(read=True)).one()
    if phase != "open" or index != checked.position:
        raise SessionError(409, "answering is closed for this scenario",
                           ["the host closed answering as you sent"])
    _announce(session, checked, attempt.id)
    return attempt


def _announce(session: Session, checked: CheckedAnswers, attempt_id: str) -> None:
    """Tell the features that follow learning (signals.answers_graded) of a stored set."""
    signals.answers_graded.send(None, session=session, report=checked.report,
                                attempt_id=attempt_id, learner_id=None, user_id=None,
                                participant_id=checked.participant_id, settings=None)


def own_attempts(session: Session, participant: Participant) -> dict[int, Attempt]:
    """Class scenario id -> this participant's last answer set, the one that counts (with
    verdicts). Its class_try is how many sets they have sent for that scenario."""
    rows = session.execute(
        select(Attempt).where(Attempt.participant_id == participant.id, last_try())
        .options(selectinload(Attempt.verdicts))).scalars()
    return {a.class_scenario_id: a for a in rows}

