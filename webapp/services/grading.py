"""Grading a learner's placements and storing the attempt: shared by the board form and the API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..domain import GradeReport, grade
from ..models import Attempt
from . import content
from .attempts import record_attempt
from .policy import attempt_status, lock_attempts


class AttemptLimitReached(Exception):
    """The learner has used every attempt an assessment allows."""


@dataclass(frozen=True)
class GradedAttempt:
    attempt: Attempt
    report: GradeReport
    feedback_shown: bool

    def public_dict(self) -> dict:
        """The report as the learner may see it now: results only when feedback is shown."""
        body = self.report.as_dict()
        if not self.feedback_shown:
            body["results"] = []
            body["feedback_withheld"] = True
        return body


def grade_and_record(session: Session, playable: content.Playable, variant: str | None,
                     answers: Mapping[str, str | None], learner_id: str | None,
                     task_order: list[str] | None = None) -> GradedAttempt:
    """Check the attempt limit, grade, store the attempt (flushes; the caller commits).

    Raises AttemptLimitReached, or GradingError for answers that cannot be graded.
    """
    scenario = playable.scenario
    lock_attempts(session, scenario.settings, scenario.id, learner_id)
    before = attempt_status(session, scenario.settings, scenario.id, learner_id)
    if not before.can_attempt:
        raise AttemptLimitReached(
            f"all {before.limit} attempts at this scenario have been used")
    report = grade(scenario, variant, content.rules(), answers)
    version = content.snapshot_version(session, playable)
    attempt = record_attempt(session, version, report, learner_id, task_order=task_order)
    after = attempt_status(session, scenario.settings, scenario.id, learner_id)
    return GradedAttempt(attempt, report, after.feedback_shown)
