"""Every graded placement is a review of its pair: scenario attempts and class answer sets
reach practice through signals.answers_graded, inside the transaction that stores them; a
sign-in adopts the browser's practice history (flask-login's user_logged_in)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, has_request_context

from .. import signals
from ..services.practice.store import Placement, deck_for, journal_reviews, owner_of
from ..services.visibility import holds_feedback

log = logging.getLogger(__name__)


def _owner(learner_id: str | None, user_id: int | None, participant_id: int | None) -> str | None:
    if user_id is not None:
        return f"user:{user_id}"
    if learner_id:
        return f"learner:{learner_id}"
    if participant_id is None:
        return None
    if has_request_context():  # a class learner: their account or browser, when known
        from ..learn.identity import current_viewer

        owner = owner_of(current_viewer())
        if owner:
            return owner
    return f"participant:{participant_id}"


def _scenario(scenario_id: str, session: Any) -> tuple[str | None, dict[str, int]]:
    """The scenario's provider (None: not found) and its tasks' listed misconceptions."""
    from ..services import content

    playable = content.find_published(session, scenario_id)
    if playable is None:
        return None, {}
    scenario = playable.scenario
    return scenario.provider, {t.id: t.misconception for t in scenario.tasks if t.misconception}


def on_answers_graded(
    _sender: Any,
    *,
    session: Any,
    report: Any,
    attempt_id: str | None = None,
    learner_id: str | None = None,
    user_id: int | None = None,
    participant_id: int | None = None,
    settings: Any = None,
    **_: Any,
) -> None:
    """Review each placed pair of a stored attempt or answer set. The reviews are held (not
    folded into the learner's history before they may see the attempt's feedback) for a
    class answer set and for an assessment that may hold its feedback back."""
    owner = _owner(learner_id, user_id, participant_id)
    if owner is None:
        return
    provider, tagged = _scenario(report.scenario_id, session)
    deck = deck_for(provider) if provider else None
    if deck is None:  # graded by a rule set that has no practice cards
        return
    placements = [
        Placement(r.area, r.service, r.given, r.expected, tagged.get(r.task_id))
        for r in report.results
        if r.area in deck.rules.areas
    ]
    placed = {(p.area, p.service) for p in placements}
    tags = {k: c.misconceptions for k in placed if (c := deck.cards.get(k)) and c.misconceptions}
    # one multi-row insert of pending reviews in the attempt's own transaction; the
    # scheduler folds them into the pairs when the learner's pairs are next read
    journal_reviews(
        session,
        owner,
        deck.provider,
        placements,
        "class" if participant_id is not None else "attempt",
        datetime.now(UTC),
        attempt_id=attempt_id,
        tags=tags,
        held=participant_id is not None or holds_feedback(settings),
    )


def on_user_logged_in(_sender: Any, user: Any = None, **_: Any) -> None:
    """Signing in adopts this browser's practice history once."""
    if user is None or not has_request_context():
        return
    from ..extensions import db
    from ..learn.identity import current_learner_id
    from ..services.practice.store import adopt

    try:
        adopt(db.session, current_learner_id(create=False), user.id)
        db.session.commit()
    except Exception:  # signing in never fails because of practice history
        db.session.rollback()
        log.exception("practice: history not adopted at sign-in")


def connect(app: Flask) -> None:  # noqa: ARG001 - called per app; connects once
    """Connect the receivers once per process (blinker keeps them for every app)."""
    from flask_login import user_logged_in

    signals.answers_graded.connect(on_answers_graded)
    user_logged_in.connect(on_user_logged_in)
