"""Grading a learner's placements and storing the attempt: shared by the board form and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .. import signals
from ..domain import GradeReport, grade
from . import content
from .attempts import StoredAttempt, insert_attempt
from .policy import attempt_status, lock_attempts, needs_count
from .visibility import Feedback, Viewer, for_attempt


class AttemptLimitReached(Exception):
    """The learner has used every attempt an assessment allows."""


@dataclass(frozen=True)
class GradedAttempt:
    attempt: StoredAttempt
    report: GradeReport
    feedback: Feedback

    def public_dict(self) -> dict:
        """The report as the learner may see it now: results only when feedback is shown."""
        body = self.report.as_dict()
        if not self.feedback.key:
            body["results"] = []
            body["feedback_withheld"] = True
            body["note"] = self.feedback.note
        return body


def grade_and_record(
    session: Session,
    playable: content.Playable,
    variant: str | None,
    answers: Mapping[str, str | None],
    viewer: Viewer,
    task_order: list[str] | None = None,
    *,
    source: content.Content,
) -> GradedAttempt:
    """Check the attempt limit, grade, store the attempt (the caller commits).

    The viewer is the learner: a signed-in account's attempts count per account, anyone
    else's per browser. Raises AttemptLimitReached, or GradingError for answers that cannot
    be graded. The attempt counts are read only when the scenario limits attempts.
    """
    scenario = playable.scenario
    user_id = getattr(viewer.user, "id", None)
    if needs_count(scenario.settings):
        lock_attempts(session, scenario.settings, scenario.id, viewer.learner_id, user_id)
        before = attempt_status(session, scenario.settings, scenario.id, viewer.learner_id, user_id)
        if not before.can_attempt:
            raise AttemptLimitReached(
                f"all {before.limit} attempts at this scenario have been used"
            )
    report = grade(scenario, variant, source.rules, answers)
    version = content.snapshot(session, playable, source)
    attempt = insert_attempt(
        session, version.id, report, viewer.learner_id, task_order=task_order, user_id=user_id
    )
    signals.answers_graded.send(
        None,
        session=session,
        report=report,
        attempt_id=attempt.id,
        learner_id=viewer.learner_id,
        user_id=user_id,
        participant_id=None,
        settings=scenario.settings,
    )
    return GradedAttempt(attempt, report, for_attempt(session, viewer, attempt, version.document))
