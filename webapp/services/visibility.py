"""Whether a stored attempt's per-card feedback may be shown to whoever holds its address."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..models import Attempt, ClassSession, ClassSessionScenario
from .attempts import StoredResult
from .classroom_answers import feedback_visible
from .policy import attempt_status, settings_from_document


def class_feedback_allowed(session: Session, attempt: Attempt) -> bool:
    """A class answer: only once the host allows it (True for attempts outside a class)."""
    if attempt.class_scenario_id is None:
        return True
    item = session.get(ClassSessionScenario, attempt.class_scenario_id)
    cs = session.get(ClassSession, item.session_id) if item else None
    return cs is not None and feedback_visible(cs, item)


def feedback_allowed(session: Session, attempt: Attempt, stored: StoredResult) -> bool:
    """A class answer: once the host allows it. Otherwise: the scenario's assessment policy."""
    if attempt.class_scenario_id is not None:
        return class_feedback_allowed(session, attempt)
    settings = settings_from_document(stored.document)
    status = attempt_status(session, settings, attempt.scenario_slug, attempt.learner_id)
    return status.feedback_shown
