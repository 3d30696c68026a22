"""Recording graded attempts and reading them back for result pages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, selectinload

from ..domain import DEFAULT_PROVIDER, GradeReport, RuleSet
from ..domain.grader import CORRECT, INCORRECT, UNANSWERED, TaskResult
from ..models import Attempt, AttemptAnswer, ScenarioVersion
from ..models.base import utcnow


def record_attempt(
    session: Session,
    version: ScenarioVersion,
    report: GradeReport,
    learner_id: str | None,
    *,
    task_order: list[str] | None = None,
    participant_id: int | None = None,
    class_scenario_id: int | None = None,
    class_try: int | None = None,
    user_id: int | None = None,
) -> Attempt:
    """Store an attempt and its per-task verdicts (flushes, does not commit)."""
    attempt = Attempt(
        id=secrets.token_hex(16),
        scenario_slug=report.scenario_id,
        version_id=version.id,
        variant=report.variant,
        learner_id=learner_id,
        user_id=user_id,
        participant_id=participant_id,
        class_scenario_id=class_scenario_id,
        class_try=class_try,
        task_order=task_order,
        answers={r.task_id: r.given for r in report.results if r.given is not None},
        score=report.score,
        correct=report.correct,
        total=report.total,
    )
    attempt.verdicts = [
        AttemptAnswer(
            task_id=r.task_id,
            position=i,
            given=r.given,
            expected=r.expected,
            correct=r.verdict == CORRECT,
            scenario_slug=attempt.scenario_slug,
            version_id=attempt.version_id,
        )
        for i, r in enumerate(report.results)
    ]
    session.add(attempt)
    session.flush()
    return attempt


@dataclass(frozen=True)
class StoredAttempt:
    """An attempt just stored by insert_attempt: its columns, without an ORM object."""

    id: str
    scenario_slug: str
    version_id: int
    variant: str | None
    learner_id: str | None
    user_id: int | None
    participant_id: int | None
    class_scenario_id: int | None
    class_try: int | None
    score: float
    correct: int
    total: int
    created_at: datetime


_ATTEMPTS = Attempt.__table__
_VERDICTS = AttemptAnswer.__table__
_INSERT_ATTEMPT = insert(_ATTEMPTS)
_INSERT_VERDICTS = insert(_VERDICTS)


def insert_attempt(
    session: Session,
    version_id: int,
    report: GradeReport,
    learner_id: str | None,
    *,
    task_order: list[str] | None = None,
    user_id: int | None = None,
) -> StoredAttempt:
    """Store an attempt and its per-task verdicts with two Core INSERTs (no commit).

    The same rows as record_attempt, without the unit of work: one INSERT for the attempt,
    one (executemany) for its verdicts, in the session's transaction.
    """
    stored = StoredAttempt(
        id=secrets.token_hex(16),
        scenario_slug=report.scenario_id,
        version_id=version_id,
        variant=report.variant,
        learner_id=learner_id,
        user_id=user_id,
        participant_id=None,
        class_scenario_id=None,
        class_try=None,
        score=report.score,
        correct=report.correct,
        total=report.total,
        created_at=utcnow(),
    )
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the ORM's own execute would flush first
    # on the session's connection: the ORM's execute adds nothing to a plain Core INSERT
    connection = session.connection()
    connection.execute(
        _INSERT_ATTEMPT,
        {
            "id": stored.id,
            "scenario_slug": stored.scenario_slug,
            "version_id": version_id,
            "variant": stored.variant,
            "learner_id": learner_id,
            "user_id": user_id,
            "participant_id": None,
            "class_scenario_id": None,
            "class_try": None,
            "class_sent_by": None,
            "task_order": task_order,
            "answers": {r.task_id: r.given for r in report.results if r.given is not None},
            "score": stored.score,
            "correct": stored.correct,
            "total": stored.total,
            "created_at": stored.created_at,
        },
    )
    connection.execute(
        _INSERT_VERDICTS,
        [
            {
                "attempt_id": stored.id,
                "task_id": r.task_id,
                "position": i,
                "given": r.given,
                "expected": r.expected,
                "correct": r.verdict == CORRECT,
                "scenario_slug": stored.scenario_slug,
                "version_id": version_id,
            }
            for i, r in enumerate(report.results)
        ],
    )
    return stored


def get_attempt(session: Session, attempt_id: str) -> Attempt | None:
    if not isinstance(attempt_id, str) or len(attempt_id) > 32:
        return None
    return session.execute(
        select(Attempt).where(Attempt.id == attempt_id).options(selectinload(Attempt.verdicts))
    ).scalar_one_or_none()


@dataclass(frozen=True)
class StoredResult:
    """An attempt as the result page shows it, from the version it was graded against."""

    attempt: Attempt
    document: dict[str, Any]
    results: tuple[TaskResult, ...]

    @property
    def title(self) -> str:
        return self.document.get("title", self.attempt.scenario_slug)

    @property
    def variant_title(self) -> str | None:
        for v in self.document.get("variants") or []:
            if v.get("id") == self.attempt.variant:
                return v.get("title")
        return None


def stored_result(
    session: Session, attempt: Attempt, rules: RuleSet, document: dict[str, Any] | None = None
) -> StoredResult:
    """Rebuild per-card results from the stored verdicts and the graded version's document.

    The verdicts (given, expected, correct) are what was stored; text and components come
    from the version the learner saw; explanations come from the rule set for that pair.
    document: that version's document, if the caller already holds it (it is not changed).
    """
    doc = (
        document
        if document is not None
        else session.get_one(ScenarioVersion, attempt.version_id).document
    )
    services = {c["id"]: c["service"] for c in doc.get("components", [])}
    names = {c["id"]: c["name"] for c in doc.get("components", [])}
    for v in doc.get("variants") or []:
        if v.get("id") == attempt.variant:
            services.update(v.get("services") or {})
    tasks = {t["id"]: t for t in doc.get("tasks", [])}
    rules = rules.providers.get(str(doc.get("provider") or DEFAULT_PROVIDER), rules)
    results = []
    for verdict in attempt.verdicts:
        task = tasks.get(verdict.task_id, {})
        service = services.get(task.get("component"), "")
        rule = rules.lookup(task.get("area", ""), service)
        status = (
            UNANSWERED if verdict.given is None else (CORRECT if verdict.correct else INCORRECT)
        )
        results.append(
            TaskResult(
                verdict.task_id,
                task.get("text", verdict.task_id),
                names.get(task.get("component"), ""),
                service,
                task.get("area", ""),
                verdict.given,
                verdict.expected,
                status,
                rule.explanation if rule else "",
                rule.source if rule else "",
                rule.control if rule else None,
                str(task.get("explain") or ""),
            )
        )
    return StoredResult(attempt, doc, tuple(results))


def best_scores(session: Session, learner_id: str | None) -> dict[str, float]:
    """Scenario id -> this learner's best score so far."""
    if not learner_id:
        return {}
    # Core, on a statement built once: the catalogue runs this for every returning learner
    rows = session.connection().execute(_BEST_SCORES, {"learner_id": learner_id}).all()
    return {slug: score for slug, score in rows}


_BEST_SCORES = (
    select(Attempt.scenario_slug, func.max(Attempt.score))
    .where(Attempt.learner_id == bindparam("learner_id"), Attempt.participant_id.is_(None))
    .group_by(Attempt.scenario_slug)
)
