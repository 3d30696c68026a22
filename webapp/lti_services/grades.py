"""From a graded attempt to a score in the outbox: the answers_graded receiver.

Which line item an attempt's score belongs to is the launch's business: it is asked through
`grade_target(learner_id, scenario_id)`, which answers None for a learner who did not come
from an LMS (or a scenario not launched as an assignment).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import signals
from ..models import Attempt
from ..models.base import utcnow
from ..services.policy import attempt_status
from .ags import ActivityProgress, GradingProgress, Policy
from .outbox import ScoreTarget, enqueue_score

log = logging.getLogger(__name__)

DEFAULT_MAXIMUM = 100.0


@dataclass(frozen=True)
class GradeTarget:
    """Where a launched learner's scores for a scenario go, and which attempt counts.

    lineitem_url: the launch's line item; when the launch gave only its line items URL,
    lineitems_url (with the resource link's id) and the line item is found or made there.
    """

    issuer: str
    lineitem_url: str | None
    user_sub: str
    policy: Policy = Policy.LATEST
    score_maximum: float = DEFAULT_MAXIMUM
    lineitems_url: str | None = None
    resource_link_id: str | None = None
    label: str | None = None

    def score_target(self) -> ScoreTarget | None:
        if self.lineitem_url:
            return ScoreTarget(self.issuer, self.lineitem_url, self.user_sub)
        if self.lineitems_url:
            return ScoreTarget(
                self.issuer,
                self.lineitems_url,
                self.user_sub,
                container=True,
                resource_link_id=self.resource_link_id,
                label=self.label,
            )
        return None  # a launch without grade services: nothing to send


GradeLookup = Callable[[str, str], GradeTarget | None]


def progress_for(
    session: Any, settings: Any, scenario_id: str, learner_id: str, user_id: int | None
) -> ActivityProgress:
    """Completed, unless an assessment leaves the learner attempts to improve (Submitted).

    The grade is always final when sent (the trainer grades at once): FullyGraded.
    """
    if settings is None or not settings.assessment or settings.max_attempts is None:
        return ActivityProgress.COMPLETED
    status = attempt_status(session, settings, scenario_id, learner_id, user_id)
    if status.can_attempt and not status.passed:
        return ActivityProgress.SUBMITTED
    return ActivityProgress.COMPLETED


def on_graded(
    _sender: Any,
    *,
    grade_target: GradeLookup,
    session: Any,
    report: Any,
    attempt_id: str | None = None,
    learner_id: str | None = None,
    user_id: int | None = None,
    settings: Any = None,
    **_: Any,
) -> None:
    """Enqueue the score of a launched learner's attempt (fraction correct x maximum)."""
    if learner_id is None or attempt_id is None:
        return  # class answer sets and anonymous-less calls have no LMS learner
    target = grade_target(learner_id, report.scenario_id)
    where = target.score_target() if target is not None else None
    if target is None or where is None:
        return
    attempt = session.get(Attempt, attempt_id)
    try:  # in a savepoint: a fault here is logged and never costs the learner the attempt
        with session.begin_nested():
            enqueue_score(
                session,
                where,
                attempt_id=attempt_id,
                score_given=round(report.score * target.score_maximum, 6),
                score_maximum=target.score_maximum,
                attempted_at=attempt.created_at if attempt is not None else utcnow(),
                activity=progress_for(session, settings, report.scenario_id, learner_id, user_id),
                grading=GradingProgress.FULLY_GRADED,
                policy=target.policy,
            )
    except Exception:
        log.exception("lti: score of attempt %s not stored for sending", attempt_id)


def connect_grades(grade_target: GradeLookup) -> Callable[..., None]:
    """Send every launched learner's graded attempts to their LMS; returns the receiver
    (to disconnect it)."""
    receiver = functools.partial(on_graded, grade_target=grade_target)
    signals.answers_graded.connect(receiver, weak=False)
    return receiver
