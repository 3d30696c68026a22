"""Per-scenario analytics, aggregated in SQL over attempts and their per-task verdicts.

Everything is counted by the database (one GROUP BY pass over attempt_answers), so the
page does not load attempts into Python; Python only picks, per task, the largest of the
three wrong-party counts the query returns.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import Session

from ..domain import PARTIES
from ..models import Attempt, AttemptAnswer, ScenarioRecord, ScenarioVersion

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


@dataclass
class ScenarioStats:
    """Attempts, learners, median score, score distribution, and tasks most missed first."""

    attempts: int = 0
    learners: int = 0
    median: float | None = None
    distribution: list[int] = field(default_factory=lambda: [0] * BUCKETS)
    tasks: list[TaskStats] = field(default_factory=list)

    @property
    def bucket_labels(self) -> list[str]:
        return [f"{i * 10}–{i * 10 + 9} %" if i < BUCKETS - 1 else "90–100 %"
                for i in range(BUCKETS)]


def _filters(slug: str, version_id: int | None) -> list[Any]:
    where = [Attempt.scenario_slug == slug]
    if version_id is not None:
        where.append(Attempt.version_id == version_id)
    return where


def _median(session: Session, where: list[Any], count: int) -> float | None:
    """The median score: the middle one or two rows of the scores in order (portable SQL)."""
    if not count:
        return None
    middle = session.execute(
        select(Attempt.score).where(*where).order_by(Attempt.score)
        .offset((count - 1) // 2).limit(2 - count % 2)
    ).scalars().all()
    return sum(middle) / len(middle)


def task_texts(session: Session, slug: str) -> dict[str, str]:
    """Task id -> text, newest version first (tasks removed later keep their old text)."""
    versions = session.execute(
        select(ScenarioVersion.document).join(ScenarioRecord)
        .where(ScenarioRecord.slug == slug).order_by(ScenarioVersion.number)
    ).scalars().all()
    texts: dict[str, str] = {}
    for doc in versions:
        for task in doc.get("tasks") or []:
            texts[task.get("id")] = task.get("text", "")
    return texts


def scenario_stats(session: Session, slug: str, version_id: int | None = None) -> ScenarioStats:
    """Every figure the analytics page shows, for one scenario (optionally one version)."""
    where = _filters(slug, version_id)
    learner = func.coalesce(Attempt.learner_id, cast(Attempt.participant_id, String))
    count, learners = session.execute(
        select(func.count(), func.count(func.distinct(learner))).where(*where)
    ).one()
    stats = ScenarioStats(attempts=count, learners=learners)
    if not count:
        return stats
    stats.median = _median(session, where, count)
    bucket = case((Attempt.total == 0, 0), else_=(Attempt.correct * BUCKETS) / Attempt.total)
    for b, n in session.execute(select(bucket, func.count()).where(*where).group_by(bucket)):
        stats.distribution[min(int(b), BUCKETS - 1)] += n

    # one pass over the per-task rows: totals, and how often each wrong party was chosen
    wrong_party = [func.sum(case((and_(AttemptAnswer.correct.is_(False),
                                       AttemptAnswer.given == party), 1), else_=0))
                   for party in PARTIES]
    per_task = session.execute(
        select(AttemptAnswer.task_id, func.count(),
               func.sum(case((AttemptAnswer.correct, 1), else_=0)),
               func.sum(case((AttemptAnswer.given.is_(None), 1), else_=0)), *wrong_party)
        .select_from(AttemptAnswer)
        .join(Attempt, and_(AttemptAnswer.attempt_id == Attempt.id, *where))
        .group_by(AttemptAnswer.task_id)
    ).all()
    texts = task_texts(session, slug)
    stats.tasks = sorted(
        (TaskStats(task_id, texts.get(task_id, task_id), n, int(ok or 0), int(blank or 0),
                   *_most_common(wrong))
         for task_id, n, ok, blank, *wrong in per_task),
        key=lambda t: (t.correct_rate, -t.unanswered_rate, t.task_id))
    return stats


def _most_common(counts: list[int | None]) -> tuple[str | None, int]:
    """The wrong party chosen most often (first in PARTIES order on a tie), and how often."""
    best = max(range(len(PARTIES)), key=lambda i: (counts[i] or 0, -i))
    return (PARTIES[best], int(counts[best])) if counts[best] else (None, 0)


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (an author wrote it)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def stats_csv(stats: ScenarioStats) -> str:
    """The per-task table as CSV, most missed first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["task_id", "task", "answers", "correct", "percent_correct", "unanswered",
                     "percent_unanswered", "most_common_wrong_party", "wrong_party_count"])
    for t in stats.tasks:
        writer.writerow([_cell(t.task_id), _cell(t.text), t.answers, t.correct,
                         f"{t.correct_rate * 100:.1f}", t.unanswered,
                         f"{t.unanswered_rate * 100:.1f}", t.wrong_party or "", t.wrong_count])
    return out.getvalue()
