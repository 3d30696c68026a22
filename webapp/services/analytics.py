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

from sqlalchemy import Select, String, cast, func, select
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
    # the database counts attempts per distinct (score, correct, total): a few dozen rows
    # from which the count, the median and the score bars follow without reading attempts
    histogram = session.execute(
        select(Attempt.score, Attempt.correct, Attempt.total, func.count()).where(*where)
        .group_by(Attempt.score, Attempt.correct, Attempt.total).order_by(Attempt.score)
    ).all()
    count = sum(n for *_, n in histogram)
    stats = ScenarioStats(attempts=count)
    if not count:
        return stats
    # distinct learners through GROUP BY: PostgreSQL hashes it (count(DISTINCT) would sort)
    learner = func.coalesce(Attempt.learner_id, cast(Attempt.participant_id, String))
    learners = select(learner.label("learner")).where(*where).group_by(learner).subquery()
    stats.learners = session.execute(select(func.count(learners.c.learner))).scalar_one()
    stats.median = _median([(score, n) for score, _, _, n in histogram], count)
    for _, correct, total, n in histogram:
        stats.distribution[min(correct * BUCKETS // total if total else 0, BUCKETS - 1)] += n
    stats.tasks = _task_stats(session, slug, version_id)
    return stats


def verdict_counts(slug: str, version_id: int | None = None) -> Select:
    """How many verdicts per (task, given, correct) of a scenario: tasks x parties rows.

    The verdicts carry their attempt's scenario and version, so the database answers this
    from the covering index ix_attempt_answers_analytics alone, without joining attempts.
    """
    query = (select(AttemptAnswer.task_id, AttemptAnswer.given, AttemptAnswer.correct,
                    func.count())
             .where(AttemptAnswer.scenario_slug == slug)
             .group_by(AttemptAnswer.task_id, AttemptAnswer.given, AttemptAnswer.correct))
    if version_id is not None:
        query = query.where(AttemptAnswer.version_id == version_id)
    return query


def _task_stats(session: Session, slug: str, version_id: int | None) -> list[TaskStats]:
    """Per task, most missed first, from the verdict counts (Python only adds them up)."""
    tally: dict[str, dict[str, Any]] = {}
    for task_id, given, correct, n in session.execute(verdict_counts(slug, version_id)):
        t = tally.setdefault(task_id, {"answers": 0, "correct": 0, "blank": 0, "wrong": {}})
        t["answers"] += n
        if correct:
            t["correct"] += n
        elif given is None:
            t["blank"] += n
        else:
            t["wrong"][given] = t["wrong"].get(given, 0) + n
    texts = task_texts(session, slug)
    return sorted(
        (TaskStats(task_id, texts.get(task_id, task_id), t["answers"], t["correct"],
                   t["blank"], *_most_common(t["wrong"]))
         for task_id, t in tally.items()),
        key=lambda t: (t.correct_rate, -t.unanswered_rate, t.task_id))


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
    writer.writerow(["task_id", "task", "answers", "correct", "percent_correct", "unanswered",
                     "percent_unanswered", "most_common_wrong_party", "wrong_party_count"])
    for t in stats.tasks:
        writer.writerow([_cell(t.task_id), _cell(t.text), t.answers, t.correct,
                         f"{t.correct_rate * 100:.1f}", t.unanswered,
                         f"{t.unanswered_rate * 100:.1f}", t.wrong_party or "", t.wrong_count])
    return out.getvalue()
