"""Answers in a class session: graded once, stored once, shown when the host allows.

A session lets each learner send one answer set per scenario, or as many as the host set
(ClassSession.answer_sets); each is a numbered try, and the last one sent is the one that
counts. UNIQUE(participant, class scenario, try) stores every try exactly once.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, selectinload

from ... import signals
from ...domain import GradeReport, GradingError, RuleSet, grade
from ...domain.grader import CORRECT
from ...domain.phases import Phase
from ...domain.text import quote
from ...models import (
    Attempt,
    AttemptAnswer,
    ClassSession,
    ClassSessionScenario,
    Participant,
)
from .content import scenario_for_version
from .errors import ClassError, Conflict, Invalid
from .sessions import latest_by_code, newest, token_hash_of

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


def _tries_sent(participant_id, item_id):
    """How many answer sets a participant has sent for a class scenario (its last try)."""
    return select(func.coalesce(func.max(Attempt.class_try), 0)).where(
        Attempt.participant_id == participant_id, Attempt.class_scenario_id == item_id
    )


@functools.cache
def last_try():
    """A condition on Attempt: no later answer set of the same learner for the same scenario
    (the set that counts). Built once: a fresh alias costs more to set up than the query
    it joins costs to run, and every panel and dashboard asks for it."""
    later = aliased(Attempt)
    return ~exists().where(
        later.participant_id == Attempt.participant_id,
        later.class_scenario_id == Attempt.class_scenario_id,
        later.class_try > Attempt.class_try,
    )


def used_up(allowed: int) -> Conflict:
    """The refusal of an answer set beyond the host's limit."""
    message = (
        "you have already answered this scenario"
        if allowed == 1
        else f"you have sent all {allowed} answer sets this session allows for this scenario"
    )
    return Conflict(message, ["already-answered"])


def already_stored(number: int) -> Conflict:
    """The refusal of answer set `number` sent again: a resent request, or a concurrent one."""
    return Conflict(f"answer set {number} is already stored", ["already-answered"])


def _stored_concurrently(number: int) -> Conflict:
    """The refusal when another request stored the same set first: the learner has answered."""
    return used_up(1) if number == 1 else already_stored(number)


# --- checking and storing: one transaction, few round trips ------------------------------


_TARGET = newest(
    select(
        ClassSession.id,
        ClassSession.code,
        ClassSession.phase,
        ClassSession.current_index,
        ClassSession.feedback_after_reveal,
        ClassSession.answer_sets,
    ).with_for_update(read=True)
)


@dataclass(frozen=True)
class Target:
    """The live session an answer set is sent to, its row share-locked until commit."""

    id: int
    code: str
    phase: str
    current_index: int
    feedback_after_reveal: bool
    answer_sets: int


@dataclass(frozen=True)
class Slot:
    """The session's scenario an answer set names: its place, variant and pinned version."""

    id: int
    position: int
    variant: str | None
    version_id: int


def _check_and_grade(
    session: Session,
    target: Target,
    slot: Slot | None,
    sent: int,
    data: dict[str, Any],
    rules: RuleSet,
) -> GradeReport:
    """The checks of an answer set: the body (Invalid), open for answers (Conflict), answer
    sets left (Conflict), then grading. sent: how many sets the learner has sent for it.

    answer_set, optional in the body, numbers the set the learner means to send (1, 2...):
    a request resent after a lost reply then finds its set stored (already-answered)
    instead of storing a copy as the next set.
    """
    sid = data.get("scenario_id")
    problems = [f"unknown field {quote(k)}" for k in sorted(set(data) - ANSWER_FIELDS)]
    if not isinstance(sid, str) or slot is None:
        problems.append("'scenario_id' must name a scenario of this session")
    answers = data.get("answers")
    if not isinstance(answers, dict):
        problems.append("'answers' must be an object mapping task ids to parties")
    number = data.get("answer_set")
    if number is not None and (
        isinstance(number, bool) or not isinstance(number, int) or number < 1
    ):
        problems.append("'answer_set' must be a whole number from 1: which set this is")
    if problems or slot is None or not isinstance(answers, dict):  # each adds a problem
        raise Invalid("invalid answers", problems)
    variant = data.get("variant")
    if variant is not None and variant != slot.variant:
        raise Invalid(
            "invalid answers",
            [f"this session plays {quote(sid)} under variant {quote(slot.variant)}"],
        )
    if target.phase != Phase.OPEN or slot.position != target.current_index:
        raise ClassError.answering_closed()
    if number is not None and number <= sent:  # a resent request: this set is stored
        raise already_stored(number)
    if sent >= target.answer_sets:
        raise used_up(target.answer_sets)
    if number is not None and number != sent + 1:
        raise Invalid(
            "invalid answers", [f"'answer_set' {number} is not the next set: that is {sent + 1}"]
        )
    scenario = scenario_for_version(session, slot.version_id, rules)
    try:
        return grade(scenario, slot.variant, rules, answers)
    except GradingError as exc:
        raise Invalid("the answers cannot be graded", exc.details) from None


def lock_target(session: Session, code: Any) -> Target:
    """The session by code, share-locked (NotFound, or Ended).

    The share lock holds the host's open/close/reveal until this transaction ends, so an
    answer checked against "open" is stored before answering closes, never after. (SQLite
    has no row locks; there a writing request holds the database's write lock throughout.)
    """
    row = latest_by_code(session, _TARGET, code)
    if row.phase == Phase.ENDED:
        raise ClassError.ended()
    return Target(*row)


@functools.cache
def _submission_query():
    """The participant with this token hash in this session, the session's scenario of this
    slug (none when the slug is not a string: NULL matches no slug), and how many answer
    sets the participant has sent for it. Built once, with all three bound: it runs for
    every answer set of a room within seconds."""
    sent = _tries_sent(Participant.id, ClassSessionScenario.id).scalar_subquery()
    return (
        select(
            Participant.id,
            Participant.removed,
            ClassSessionScenario.id,
            ClassSessionScenario.position,
            ClassSessionScenario.variant,
            ClassSessionScenario.version_id,
            sent,
        )
        .outerjoin(
            ClassSessionScenario,
            (ClassSessionScenario.session_id == Participant.session_id)
            & (ClassSessionScenario.scenario_slug == bindparam("slug")),
        )
        .where(
            Participant.token_hash == bindparam("key"),
            Participant.session_id == bindparam("session_id"),
        )
    )


def check_submission(
    session: Session, target: Target, token: Any, data: dict[str, Any], rules: RuleSet
) -> CheckedAnswers:
    """Who sends (Forbidden), what (Invalid), whether answering is open (Conflict); grade.

    One query finds the participant, the named scenario of the session and how many answer
    sets the participant has sent for it.
    """
    sid = data.get("scenario_id")
    key = token_hash_of(token)
    row = (
        session.execute(
            _submission_query(),
            {"key": key, "session_id": target.id, "slug": sid if isinstance(sid, str) else None},
        ).first()
        if key
        else None
    )
    if row is None:
        raise ClassError.bad_token()
    participant_id, removed, item_id, position, item_variant, version_id, sent = row
    if removed:
        raise ClassError.removed()
    slot = Slot(item_id, position, item_variant, version_id) if item_id is not None else None
    report = _check_and_grade(session, target, slot, sent, data, rules)
    assert slot is not None  # _check_and_grade refuses an answer set naming no scenario
    return CheckedAnswers(
        target.id,
        participant_id,
        slot.id,
        slot.position,
        slot.version_id,
        target.feedback_after_reveal,
        report,
        sent + 1,
    )


@dataclass(frozen=True)
class AnswerSet:
    """An answer set as a learner sends it: the session's code, the participant token
    (from the body or the browser's cookie) and the body (scenario_id, answers...)."""

    code: str
    token: str | None
    body: dict[str, Any]


@dataclass(frozen=True)
class StoredAnswers:
    """An answer set stored: the session as locked, what was checked, the attempt's id."""

    target: Target
    checked: CheckedAnswers
    attempt_id: str


def check_answer_set(
    session: Session, sent: AnswerSet, rules: RuleSet
) -> tuple[Target, CheckedAnswers]:
    """Lock the session, then check and grade an answer set (stores nothing)."""
    target = lock_target(session, sent.code)
    return target, check_submission(session, target, sent.token, sent.body, rules)


def submit_answers(session: Session, sent: AnswerSet, rules: RuleSet) -> StoredAnswers:
    """Check, grade and store a learner's answer set exactly once (flushes; the caller
    commits). The one way an answer set is stored, for the JSON endpoint and the form."""
    target, checked = check_answer_set(session, sent, rules)
    return StoredAnswers(target, checked, store_checked(session, checked))


def store_checked(session: Session, checked: CheckedAnswers) -> str:
    """Store an answer set checked under lock_target's lock; returns the attempt id.

    Two INSERT statements (the attempt, then all its per-task rows in one multi-row insert),
    without building ORM objects: this runs for a whole room within seconds. The rows hold
    what record_attempt stores for an attempt. The UNIQUE(participant, class scenario, try)
    constraint turns a concurrent submission of the same try into a Conflict, not a second
    row. A learner's own set (not one sent for them at the close) must still find answering
    open once its attempt row is written.
    """
    report = checked.report
    attempt: dict[str, Any] = {
        "id": secrets.token_hex(16),
        "scenario_slug": report.scenario_id,
        "version_id": checked.version_id,
        "variant": report.variant,
        "learner_id": None,
        "participant_id": checked.participant_id,
        "class_scenario_id": checked.class_scenario_id,
        "class_try": checked.class_try,
        "class_sent_by": checked.sent_by,
        "task_order": None,
        "answers": {r.task_id: r.given for r in report.results if r.given is not None},
        "score": report.score,
        "correct": report.correct,
        "total": report.total,
    }
    # per-task rows carry the attempt's scenario and version (analytics reads them alone)
    rows = [
        {
            "attempt_id": attempt["id"],
            "task_id": r.task_id,
            "position": i,
            "given": r.given,
            "expected": r.expected,
            "correct": r.verdict == CORRECT,
            "scenario_slug": report.scenario_id,
            "version_id": checked.version_id,
        }
        for i, r in enumerate(report.results)
    ]
    try:  # only this insert can meet the unique constraint; any other error is a 500
        session.execute(_INSERT_ATTEMPT, [attempt])
    except IntegrityError:
        raise _stored_concurrently(checked.class_try) from None
    if checked.sent_by is None:
        _still_open(session, checked)
    session.execute(_INSERT_VERDICTS, rows)
    _announce(session, checked, attempt["id"])
    return attempt["id"]


_INSERT_ATTEMPT = insert(Attempt.__table__)
_INSERT_VERDICTS = insert(AttemptAnswer.__table__)
_STILL_OPEN = (
    select(ClassSession.phase, ClassSession.current_index)
    .where(ClassSession.id == bindparam("id"))
    .with_for_update(read=True)
)


def _still_open(session: Session, checked: CheckedAnswers) -> None:
    """After the insert, the session row is read again under a share lock: an answer set
    checked in an earlier transaction that races the host's "close" is refused, not kept.
    (Under lock_target's lock in the same transaction this finds the phase unchanged.)"""
    phase, index = session.execute(_STILL_OPEN, {"id": checked.session_id}).one()
    if phase != Phase.OPEN or index != checked.position:
        raise ClassError.answering_closed("the host closed answering as you sent")


def _announce(session: Session, checked: CheckedAnswers, attempt_id: str) -> None:
    """Tell the features that follow learning (signals.answers_graded) of a stored set."""
    signals.answers_graded.send(
        None,
        session=session,
        report=checked.report,
        attempt_id=attempt_id,
        learner_id=None,
        user_id=None,
        participant_id=checked.participant_id,
        settings=None,
    )


def own_attempts(session: Session, participant: Participant) -> dict[int | None, Attempt]:
    """Class scenario id -> this participant's last answer set, the one that counts (with
    verdicts). Its class_try is how many sets they have sent for that scenario."""
    rows = session.execute(_own_attempts_query(), {"participant_id": participant.id}).scalars()
    return {a.class_scenario_id: a for a in rows}


@functools.cache
def _own_attempts_query():
    """own_attempts' query, built once (every learner's panel asks it at every step)."""
    return (
        select(Attempt)
        .where(Attempt.participant_id == bindparam("participant_id"), last_try())
        .options(selectinload(Attempt.verdicts))
    )
