"""Per-scenario analytics, aggregated in SQL over attempts and their per-task verdicts.

Everything is counted by the database, so the page never loads attempts or verdicts into
Python: attempts are grouped by score (a few dozen rows give the count, median and score
bars), and verdicts by (task, given, correct) on a covering index (tasks x parties rows);
Python only adds up those small groups.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, func, select
from sqlalchemy.orm import Session

from ..domain import PARTIES
from ..models import (
    Attempt,
    AttemptAnswer,
    ClassSession,
    Participant,
    ScenarioRecord,
    ScenarioVersion,
)

BUCKETS = 10  # score bars: 0-9 %, 10-19 %, ..., 90-100 %


@dataclass(frozen=True)
class TaskStats:
    """How learners did on one task."""

    task_id: str
    text: str
    answers: int
    correct: int
    unanswered: int
    wrong_party: str | None  # the wrong party chosen most often
    wrong_count: int

    @property
    def correct_rate(self) -> float:
        return self.correct / self.answers if self.answers else 0.0

    @property
    def unanswered_rate(self) -> float:
        return self.unanswered / self.answers if self.answers else 0.0


@dataclass(frozen=True)
class Scope:
    """Which attempts of a scenario the figures count.

    version_id: one version only. variant: one variant only ("" for attempts made without
    one). host_id: only the attempts made in class sessions that instructor hosted, and,
    with course_learners (a query of learner ids: a course's learners launched from a
    learning platform), those learners' attempts outside a class too.
    """

    slug: str
    version_id: int | None = None
    variant: str | None = None
    host_id: int | None = None
    course_learners: Any = field(default=None, compare=False)

    @property
    def joins_attempts(self) -> bool:
        """Whether the per-task counts need the attempts' columns (variant, participant)."""
        return self.variant is not None or self.host_id is not None


@dataclass(frozen=True)
class VariantStats:
    """One variant's share of the attempts: how many, by how many learners, the median."""

    variant: str | None
    attempts: int
    learners: int
    median: float


@dataclass
class ScenarioStats:
    """Attempts, learners, median score, score distribution, and tasks most missed first."""

    attempts: int = 0
    learners: int = 0
    median: float | None = None
    distribution: list[int] = field(default_factory=lambda: [0] * BUCKETS)
    tasks: list[TaskStats] = field(default_factory=list)
    variants: list[VariantStats] = field(default_factory=list)  # across every variant

    @property
    def bucket_labels(self) -> list[str]:
        return [
            f"{i * 10}–{i * 10 + 9} %" if i < BUCKETS - 1 else "90–100 %" for i in range(BUCKETS)
        ]


def attempt_filters(scope: Scope, *, variant: bool = True) -> list[Any]:
    """Conditions on Attempt for the scope (without its variant when variant=False)."""
    where = [Attempt.scenario_slug == scope.slug]
    if scope.version_id is not None:
        where.append(Attempt.version_id == scope.version_id)
    if variant and scope.variant is not None:
        where.append(
            Attempt.variant == scope.variant if scope.variant else Attempt.variant.is_(None)
        )
    if scope.host_id is not None:
        hosted = (
            select(Participant.id).join(ClassSession).where(ClassSession.host_id == scope.host_id)
        )
        mine: ColumnElement[bool] = Attempt.participant_id.in_(hosted)
        if scope.course_learners is not None:
            mine = mine | (
                Attempt.participant_id.is_(None) & Attempt.learner_id.in_(scope.course_learners)
            )
        where.append(mine)
    return where


# who made an attempt: the browser, or the class participant
LEARNER = func.coalesce(Attempt.learner_id, cast(Attempt.participant_id, String))


def _median(histogram: list[tuple[float, int]], count: int) -> float:
    """The median score from (score, how many) pairs in score order: the middle one or two."""
    wanted = {(count - 1) // 2, count // 2}  # positions in the sorted list of all scores
    middle, seen = [], 0
    for score, n in histogram:
        middle += [score for position in wanted if seen <= position < seen + n]
        seen += n
    return sum(middle) / len(middle)


def task_texts(session: Session, slug: str) -> dict[str, str]:
    """Task id -> text, newest version first (tasks removed later keep their old text)."""
    versions = (
        session.execute(
            select(ScenarioVersion.document)
            .join(ScenarioRecord)
            .where(ScenarioRecord.slug == slug)
            .order_by(ScenarioVersion.number)
        )
        .scalars()
        .all()
    )
    texts: dict[str, str] = {}
    for doc in versions:
        for task in doc.get("tasks") or []:
            texts[task.get("id")] = task.get("text", "")
    return texts


def scenario_stats(
    session: Session, scope: Scope | str, version_id: int | None = None
) -> ScenarioStats:
    """Every figure the analytics page shows, for the attempts in scope.

    A slug (with an optional version id) is the whole scenario's scope.
    """
    if isinstance(scope, str):
        scope = Scope(scope, version_id)
    where = attempt_filters(scope)
    # the database counts attempts per distinct (score, correct, total): a few dozen rows
    # from which the count, the median and the score bars follow without reading attempts
    histogram = session.execute(
        select(Attempt.score, Attempt.correct, Attempt.total, func.count())
        .where(*where)
        .group_by(Attempt.score, Attempt.correct, Attempt.total)
        .order_by(Attempt.score)
    ).all()
    count = sum(n for *_, n in histogram)
    stats = ScenarioStats(attempts=count, variants=variant_stats(session, scope))
    if not count:
        return stats
    # distinct learners through GROUP BY: PostgreSQL hashes it (count(DISTINCT) would sort)
    learners = select(LEARNER.label("learner")).where(*where).group_by(LEARNER).subquery()
    stats.learners = session.execute(select(func.count(learners.c.learner))).scalar_one()
    stats.median = _median([(score, n) for score, _, _, n in histogram], count)
    for _, correct, total, n in histogram:
        stats.distribution[min(correct * BUCKETS // total if total else 0, BUCKETS - 1)] += n
    stats.tasks = _task_stats(session, scope)
    return stats


def variant_stats(session: Session, scope: Scope) -> list[VariantStats]:
    """Attempts, learners and median per variant, over the scope's attempts of any variant."""
    where = attempt_filters(scope, variant=False)
    histograms: dict[str | None, list[tuple[float, int]]] = {}
    for variant, score, n in session.execute(
        select(Attempt.variant, Attempt.score, func.count())
        .where(*where)
        .group_by(Attempt.variant, Attempt.score)
        .order_by(Attempt.score)
    ):
        histograms.setdefault(variant, []).append((score, n))
    learners = dict(
        session.execute(
            select(Attempt.variant, func.count(func.distinct(LEARNER)))
            .where(*where)
            .group_by(Attempt.variant)
        ).all()
    )
    rows = []
    for variant, histogram in histograms.items():
        count = sum(n for _, n in histogram)
        rows.append(
            VariantStats(variant, count, learners.get(variant, 0), _median(histogram, count))
        )
    return sorted(rows, key=lambda v: (v.variant is not None, v.variant or ""))


def verdict_counts(slug: str, version_id: int | None = None) -> Select:
    """How many verdicts per (task, given, correct) of a scenario: tasks x parties rows.

    The verdicts carry their attempt's scenario and version, so the database answers this
    from the covering index ix_attempt_answers_analytics alone, without joining attempts.
    """
    query = (
        select(AttemptAnswer.task_id, AttemptAnswer.given, AttemptAnswer.correct, func.count())
        .where(AttemptAnswer.scenario_slug == slug)
        .group_by(AttemptAnswer.task_id, AttemptAnswer.given, AttemptAnswer.correct)
    )
    if version_id is not None:
        query = query.where(AttemptAnswer.version_id == version_id)
    return query


def _verdicts_in_scope(scope: Scope) -> Select:
    """Verdict counts per (task, given, correct) for a scope that filters on the attempts."""
    return (
        select(AttemptAnswer.task_id, AttemptAnswer.given, AttemptAnswer.correct, func.count())
        .join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
        .where(*attempt_filters(scope))
        .group_by(AttemptAnswer.task_id, AttemptAnswer.given, AttemptAnswer.correct)
    )


def _task_stats(session: Session, scope: Scope) -> list[TaskStats]:
    """Per task, most missed first, from the verdict counts (Python only adds them up)."""
    query = (
        _verdicts_in_scope(scope)
        if scope.joins_attempts
        else verdict_counts(scope.slug, scope.version_id)
    )
    tally: dict[str, dict[str, Any]] = {}
    for task_id, given, correct, n in session.execute(query):
        t = tally.setdefault(task_id, {"answers": 0, "correct": 0, "blank": 0, "wrong": {}})
        t["answers"] += n
        if correct:
            t["correct"] += n
        elif given is None:
            t["blank"] += n
        else:
            t["wrong"][given] = t["wrong"].get(given, 0) + n
    texts = task_texts(session, scope.slug)
    return sorted(
        (
            TaskStats(
                task_id,
                texts.get(task_id, task_id),
                t["answers"],
                t["correct"],
                t["blank"],
                *_most_common(t["wrong"]),
            )
            for task_id, t in tally.items()
        ),
        key=lambda t: (t.correct_rate, -t.unanswered_rate, t.task_id),
    )


def _most_common(wrong: dict[str, int]) -> tuple[str | None, int]:
    """The wrong party chosen most often (first in PARTIES order on a tie), and how often."""
    if not wrong:
        return None, 0
    order = {party: i for i, party in enumerate(PARTIES)}
    party = max(wrong, key=lambda p: (wrong[p], -order.get(p, len(order)), p))
    return party, wrong[party]


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (an author wrote it)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def stats_csv(stats: ScenarioStats) -> str:
    """The per-task table as CSV, most missed first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "task_id",
            "task",
            "answers",
            "correct",
            "percent_correct",
            "unanswered",
            "percent_unanswered",
            "most_common_wrong_party",
            "wrong_party_count",
        ]
    )
    for t in stats.tasks:
        writer.writerow(
            [
                _cell(t.task_id),
                _cell(t.text),
                t.answers,
                t.correct,
                f"{t.correct_rate * 100:.1f}",
                t.unanswered,
                f"{t.unanswered_rate * 100:.1f}",
                t.wrong_party or "",
                t.wrong_count,
            ]
        )
    return out.getvalue()
