"""Who may see the answer key (expected parties, reasons, sources) and the score, and when.

The one place that decides it. Every page, panel, JSON body and comparison that could carry
a key asks here, saying who is looking (a Viewer), and shows only what the answer allows.

Outside a class: practice and `feedback: always` assessments are open to whoever holds an
attempt's address. An assessment that holds feedback back (after-last, after-pass) opens
only to the signed-in account that made the attempt, once that account has passed or used
its last attempt, and to the scenario's instructors (its author, admins). A learner launched
from a learning platform (LTI) counts as such an account: their learner id stands for the
person (issuer and subject) in every browser, so a fresh browser resets nothing. Anonymous
learners see the score only, every attempt: a fresh browser would give them a fresh
attempt count, so their count cannot protect the key.

In a class: the host sees the key on the dashboard once answering has closed. A learner sees
it after the host reveals the scenario, or, when the host chose feedback straight away, for
their own sent answers once they can no longer answer that scenario (every answer set sent,
the scenario closed for good, the room moved on or the session ended). Once anyone in the
room has seen a scenario's key, answering cannot open again for it (key_seen).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.phases import Phase
from ..domain.schema import Feedback as FeedbackPolicy
from ..domain.schema import Mode
from ..models import Attempt, ClassSession, ClassSessionScenario, Participant, ScenarioVersion
from .policy import attempt_status, settings_from_document


class ClassState(Protocol):
    """What for_class reads of a session: a ClassSession, or the answer endpoint's Target."""

    @property
    def phase(self) -> str: ...
    @property
    def current_index(self) -> int: ...
    @property
    def feedback_after_reveal(self) -> bool: ...
    @property
    def answer_sets(self) -> int: ...


class ClassSlot(Protocol):
    """What for_class reads of a session's scenario: a ClassSessionScenario, or its place."""

    @property
    def id(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def revealed_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a signed-in account, this browser's learner id, class tokens."""

    user: Any = None  # an active signed-in account, or None
    learner_id: str | None = None
    class_tokens: dict[str, str] = field(default_factory=dict)  # session code -> token
    # the learner id stands for one person everywhere (an LTI launch), not for one browser:
    # its attempt count cannot be reset with a fresh browser, as an account's cannot
    durable_learner: bool = False

    @property
    def is_admin(self) -> bool:
        return getattr(self.user, "role", None) == "admin"


@dataclass(frozen=True)
class Feedback:
    """What this viewer may see now; note says in plain words why the key is held back."""

    key: bool
    score: bool
    note: str = ""


SHOWN = Feedback(True, True)
HELD_IN_ASSESSMENT = (
    "Feedback is held back in this assessment: you see your score only, not which cards were right."
)
NOT_YOURS = (
    "Feedback is held back in this assessment: only the learner who made this attempt sees it."
)
CLASS_STRANGER = Feedback(
    False, False, "Only the learner who sent these answers and the session's host can see them."
)
REVEAL = "The answers are shown when the host reveals them."
NOT_REVEALED = "The host did not reveal the answers of this scenario."


# --- attempts outside a class -------------------------------------------------------------


class AttemptFacts(Protocol):
    """What the decision reads of an attempt: a stored Attempt, or the record of one just
    inserted (services.attempts.StoredAttempt)."""

    @property
    def scenario_slug(self) -> str: ...
    @property
    def version_id(self) -> int: ...
    @property
    def learner_id(self) -> str | None: ...
    @property
    def user_id(self) -> int | None: ...
    @property
    def participant_id(self) -> int | None: ...
    @property
    def class_scenario_id(self) -> int | None: ...


def holds_feedback(settings: Any) -> bool:
    """Whether an attempt under these scenario settings may have its feedback held back
    from the learner: an assessment whose feedback is not `always`."""
    if settings is None or not settings.assessment:
        return False
    return bool(settings.feedback != FeedbackPolicy.ALWAYS)


def for_attempt(
    session: Session,
    viewer: Viewer,
    attempt: AttemptFacts,
    document: dict[str, Any] | None = None,
) -> Feedback:
    """May this viewer see the feedback of this stored attempt now?"""
    if attempt.class_scenario_id is not None:
        return _class_attempt(session, viewer, attempt)
    if document is None:
        document = session.get_one(ScenarioVersion, attempt.version_id).document
    settings = settings_from_document(document)
    if not holds_feedback(settings):
        return SHOWN
    if _teaches(session, viewer, attempt.version_id):
        return SHOWN
    user_id = getattr(viewer.user, "id", None)
    mine = attempt.user_id is None and viewer.learner_id == attempt.learner_id
    if mine and viewer.durable_learner and user_id is None:
        status = attempt_status(session, settings, attempt.scenario_slug, viewer.learner_id)
    elif attempt.user_id is None or attempt.user_id != user_id:
        return Feedback(False, True, HELD_IN_ASSESSMENT if mine else NOT_YOURS)
    else:
        status = attempt_status(session, settings, attempt.scenario_slug, None, user_id=user_id)
    if status.remaining == 0 or status.passed:
        return SHOWN
    until = "you pass or use your last attempt" if status.limit else "you pass"
    return Feedback(
        False,
        True,
        f"Feedback is held back in this assessment until {until}: "
        "until then you see your score only.",
    )


def _teaches(session: Session, viewer: Viewer, version_id: int) -> bool:
    """The scenario's author (an authored scenario's owner) or an admin."""
    if viewer.user is None:
        return False
    if viewer.is_admin:
        return True
    from ..models import ScenarioRecord

    owner = session.execute(
        select(ScenarioRecord.owner_id)
        .join(ScenarioVersion, ScenarioVersion.scenario_id == ScenarioRecord.id)
        .where(ScenarioVersion.id == version_id, ScenarioRecord.origin == "authored")
    ).scalar_one_or_none()
    return owner is not None and owner == viewer.user.id


# --- one card as it is placed -------------------------------------------------------------

CARD_CHECK_ASSESSMENT = (
    "Cards are not checked one by one in an assessment: check your answers at the end."
)
CARD_CHECK_CLASS = (
    "In a class the host decides when answers are shown, so cards are not checked one by one."
)


def for_card_check(session: Session, viewer: Viewer, scenario_slug: str, settings: Any) -> Feedback:
    """May this viewer have one placed card checked (right or not, the rule and its source)?

    Only on a practice board: an assessment never reveals a single card, and neither does a
    scenario running in a class this viewer takes part in (it would reveal the room's key).
    """
    if settings.mode != Mode.PRACTICE:
        return Feedback(False, False, CARD_CHECK_ASSESSMENT)
    if viewer.class_tokens:
        live = session.execute(
            select(ClassSessionScenario.id)
            .join(ClassSession, ClassSession.id == ClassSessionScenario.session_id)
            .where(
                ClassSession.code.in_(list(viewer.class_tokens)),
                ClassSession.phase != Phase.ENDED,
                ClassSessionScenario.scenario_slug == scenario_slug,
            )
            .limit(1)
        ).first()
        if live is not None:
            return Feedback(False, False, CARD_CHECK_CLASS)
    return SHOWN


# --- class sessions -----------------------------------------------------------------------


def for_class(session: Session, cs: ClassState, item: ClassSlot, sent: int) -> Feedback:
    """May a learner of this session who sent `sent` answer sets for this class scenario see
    its key (their own feedback, or who owns each task if they sent nothing) now?

    cs: the ClassSession, or the answer endpoint's locked Target (the same fields).
    """
    if item.revealed_at is not None:
        return SHOWN
    ended = cs.phase == Phase.ENDED
    if cs.feedback_after_reveal or not sent:
        if ended or item.position < cs.current_index:  # never revealed; at the end, the score
            return Feedback(False, ended and bool(sent), NOT_REVEALED)
        return Feedback(False, False, REVEAL)
    if ended or item.position < cs.current_index or sent >= cs.answer_sets:
        return SHOWN
    if cs.phase == Phase.CLOSED:
        if key_seen(session, cs, item):
            return SHOWN
        return Feedback(
            False,
            False,
            "Answering may open again, so the right answers stay "
            "hidden until the host reveals them.",
        )
    return Feedback(
        False,
        False,
        "The right answers stay hidden until you send your last "
        "answer set or the host reveals them.",
    )


def for_host(cs: ClassSession, item: ClassSessionScenario) -> bool:
    """The dashboard's key: from "closed" on (while answering is open the screen may be
    projected to the room, so it shows the counts only)."""
    keyed = (Phase.CLOSED, Phase.REVEALED, Phase.ENDED)
    return item.position < cs.current_index or cs.phase in keyed


def key_seen(session: Session, cs: ClassState, item: ClassSlot) -> bool:
    """Has anyone in the room seen this scenario's key? After a reveal; with feedback straight
    away, once a learner sent their last answer set (the reply carried their feedback)."""
    if item.revealed_at is not None:
        return True
    if cs.feedback_after_reveal:
        return False
    return (
        session.execute(
            select(Attempt.id)
            .where(Attempt.class_scenario_id == item.id, Attempt.class_try >= cs.answer_sets)
            .limit(1)
        ).first()
        is not None
    )


def _class_attempt(session: Session, viewer: Viewer, attempt: AttemptFacts) -> Feedback:
    """A class answer set: its host sees it all; its learner, what for_class allows."""
    from .classroom.sessions import may_host, token_hash_of

    # an answer set's class scenario and session are foreign keys: they are there
    item = session.get_one(ClassSessionScenario, attempt.class_scenario_id)
    cs = session.get_one(ClassSession, item.session_id)
    if may_host(viewer.user, cs):
        return SHOWN
    key = token_hash_of(viewer.class_tokens.get(cs.code))
    participant = session.get(Participant, attempt.participant_id)
    if key is None or participant is None or participant.token_hash != key:
        return CLASS_STRANGER
    return _for_participant(session, cs, item, participant)


def _for_participant(
    session: Session, cs: ClassSession, item: ClassSessionScenario, participant: Participant
) -> Feedback:
    """What for_class allows this participant of the session, by the answer sets they sent."""
    if participant.removed:
        return CLASS_STRANGER
    sent = session.execute(
        select(func.max(Attempt.class_try)).where(
            Attempt.participant_id == participant.id, Attempt.class_scenario_id == item.id
        )
    ).scalar_one()
    return for_class(session, cs, item, sent or 0)


def placements_visible(session: Session, viewer: Viewer, attempt_ids: Iterable[str]) -> set[str]:
    """Which of these attempts, each one whose placements the viewer's practice history
    holds (the viewer made it), may tell the viewer now whether each placement was right:
    those whose feedback for_attempt shows them (a class answer set: what for_class allows
    the participant who sent it). Practice folds a held review into the history only then,
    so /progress and the rounds it deals never show a withheld result early."""
    ids = list(attempt_ids)
    if not ids:
        return set()
    shown: set[str] = set()
    for attempt in session.execute(select(Attempt).where(Attempt.id.in_(ids))).scalars():
        if attempt.class_scenario_id is None:
            feedback = for_attempt(session, viewer, attempt)
        else:
            item = session.get_one(ClassSessionScenario, attempt.class_scenario_id)
            cs = session.get_one(ClassSession, item.session_id)
            participant = session.get(Participant, attempt.participant_id)
            feedback = (
                CLASS_STRANGER
                if participant is None
                else _for_participant(session, cs, item, participant)
            )
        if feedback.key:
            shown.add(attempt.id)
    return shown


# --- provider comparisons -----------------------------------------------------------------

HELD_FOR_COMPARISON = (
    "Owners are not shown here: a task of this comparison is also a card of an assessment "
    "that holds its feedback back."
)


def _card_text(text: str) -> str:
    return " ".join(text.casefold().split())


def for_comparison(comparison: Any, scenarios: list[Any]) -> Feedback:
    """May anyone read a comparison's owners, reasons and sources?

    A comparison teaches the rule sets, which are public (like /api/v1/responsibility), so
    its owners are shown to everyone, unless one of its tasks is worded like a card of a
    scenario that holds its feedback back: then the comparison would hand over that card's
    answer, and it shows the tasks only.
    """
    held = {
        _card_text(task.text)
        for scenario in scenarios
        if scenario.settings.mode == Mode.ASSESSMENT
        and scenario.settings.feedback != FeedbackPolicy.ALWAYS
        for task in scenario.tasks
    }
    if any(_card_text(task.text) in held for task in comparison.tasks):
        return Feedback(False, True, HELD_FOR_COMPARISON)
    return SHOWN


# --- practice rounds ----------------------------------------------------------------------

PRACTICE_NOT_YOURS = Feedback(False, False, "This practice round was dealt to another learner.")
PRACTICE_OPEN = Feedback(False, False, "The answers are shown once the round is answered.")


def for_practice_round(practice_round: Any, owner: str | None) -> Feedback:
    """A practice round's key (expected parties, reasons, sources): to the learner it was
    dealt to (their owner key), once they have answered it; never before, never to others."""
    if owner is None or practice_round.owner != owner:
        return PRACTICE_NOT_YOURS
    if practice_round.answered_at is None:
        return PRACTICE_OPEN
    return SHOWN
