"""A learner's own attempts outside a class: whose an attempt is, and the list of them.

An attempt belongs to the signed-in account that made it, or, when it was made without an
account, to the browser (learner cookie) that made it. Class answer sets are never listed
here: they belong to a class session and its own pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Attempt, ScenarioVersion
from .visibility import Viewer

LIST_LIMIT = 200


@dataclass(frozen=True)
class AttemptRow:
    """One line of the "Your attempts" page."""

    id: str
    scenario_slug: str
    title: str
    variant_title: str | None
    created_at: datetime
    score: float
    correct: int
    total: int


def owns(viewer: Viewer, attempt: Attempt) -> bool:
    """Is this the learner who made the attempt (their account, or their browser when the
    attempt was made without an account)?"""
    if attempt.participant_id is not None or attempt.class_scenario_id is not None:
        return False
    user_id = getattr(viewer.user, "id", None)
    if attempt.user_id is not None:
        return user_id is not None and attempt.user_id == user_id
    return bool(viewer.learner_id) and attempt.learner_id == viewer.learner_id


def _variant_title(document: dict[str, Any], variant: str | None) -> str | None:
    for v in document.get("variants") or []:
        if isinstance(v, dict) and v.get("id") == variant:
            return v.get("title")
    return None


def list_for(session: Session, viewer: Viewer, limit: int = LIST_LIMIT) -> list[AttemptRow]:
    """The viewer's own attempts, newest first: the account's when signed in, else this
    browser's anonymous ones."""
    user_id = getattr(viewer.user, "id", None)
    if user_id is not None:
        mine = Attempt.user_id == user_id
    elif viewer.learner_id:
        mine = (Attempt.learner_id == viewer.learner_id) & Attempt.user_id.is_(None)
    else:
        return []
    attempts = (
        session.execute(
            select(Attempt)
            .where(mine, Attempt.participant_id.is_(None), Attempt.class_scenario_id.is_(None))
            .order_by(Attempt.created_at.desc(), Attempt.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    version_ids = {a.version_id for a in attempts}
    documents: dict[int, dict[str, Any]] = {}
    if version_ids:
        documents = dict(
            session.execute(
                select(ScenarioVersion.id, ScenarioVersion.document).where(
                    ScenarioVersion.id.in_(version_ids)
                )
            ).all()
        )
    rows = []
    for a in attempts:
        doc = documents.get(a.version_id) or {}
        rows.append(
            AttemptRow(
                a.id,
                a.scenario_slug,
                str(doc.get("title") or a.scenario_slug),
                _variant_title(doc, a.variant),
                a.created_at,
                a.score,
                a.correct,
                a.total,
            )
        )
    return rows
