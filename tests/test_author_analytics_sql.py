"""Analytics in SQL: figures equal a recount in Python, verdicts carry their attempt's scenario
and version, and migration 0003 backfills them onto existing rows."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import pytest
from sqlalchemy import event, inspect, select, text

from tests.conftest import make_app
from webapp import database
from webapp.domain import grade
from webapp.extensions import db
from webapp.models import Attempt, AttemptAnswer, ScenarioVersion
from webapp.services import content
from webapp.services.analytics import BUCKETS, scenario_stats
from webapp.services.attempts import record_attempt

SLUG = "s3-vpc-ec2-oracle"
OTHER = "ec2-web-server"


def _play(session, slug: str, version, rng: random.Random, learners: list[str]) -> None:
    """Record one attempt with random answers: right, wrong or left blank."""
    scenario = content.find_published(session, slug).scenario
    variant = rng.choice(scenario.variant_ids or (None,))
    answers = {}
    for task in scenario.tasks:
        roll = rng.random()
        if roll < 0.8:
            answers[task.id] = rng.choice(scenario.parties)
    report = grade(scenario, variant, content.rules(), answers)
    record_attempt(session, version, report, rng.choice(learners))


def _seed(session) -> tuple[ScenarioVersion, ScenarioVersion]:
    """Attempts on two versions of one scenario, and on another scenario (to be left out)."""
    rng = random.Random(11)
    learners = [f"learner-{i}" for i in range(9)]
    first = content.snapshot_version(session, content.find_published(session, SLUG))
    second = ScenarioVersion(
        scenario_id=first.scenario_id,
        number=first.number + 1,
        content_hash="0" * 64,
        document=first.document,
    )
    session.add(second)
    session.flush()
    for n in range(40):
        _play(session, SLUG, first if n % 3 else second, rng, learners)
    other = content.snapshot_version(session, content.find_published(session, OTHER))
    for _ in range(7):
        _play(session, OTHER, other, rng, learners)
    session.flush()
    return first, second


def _recount(session, version_id: int | None) -> dict:
    """The same figures counted in Python from the attempts and their verdicts."""
    attempts = [
        a
        for a in session.execute(select(Attempt)).scalars()
        if a.scenario_slug == SLUG and version_id in (None, a.version_id)
    ]
    scores = [a.score for a in attempts]
    buckets = [0] * BUCKETS
    for a in attempts:
        buckets[min(a.correct * BUCKETS // a.total, BUCKETS - 1)] += 1
    tasks: dict[str, dict] = {}
    for a in attempts:
        for v in a.verdicts:
            t = tasks.setdefault(
                v.task_id, {"answers": 0, "correct": 0, "blank": 0, "wrong": Counter()}
            )
            t["answers"] += 1
            t["correct"] += v.given == v.expected
            t["blank"] += v.given is None
            if v.given is not None and v.given != v.expected:
                t["wrong"][v.given] += 1
    return {
        "attempts": len(attempts),
        "learners": len({a.learner_id for a in attempts}),
        "median": statistics.median(scores),
        "distribution": buckets,
        "tasks": tasks,
    }


@pytest.mark.parametrize("which", ["all", "first", "second"])
def test_figures_equal_a_recount_in_python(db, which):
    first, second = _seed(db.session)
    version_id = {"all": None, "first": first.id, "second": second.id}[which]
    stats = scenario_stats(db.session, SLUG, version_id)
    want = _recount(db.session, version_id)
    assert want["attempts"] > 0
    assert len(want["tasks"]) == 16
    assert stats.attempts == want["attempts"]
    assert stats.learners == want["learners"]
    assert stats.median == pytest.approx(want["median"])
    assert stats.distribution == want["distribution"]
    assert {t.task_id for t in stats.tasks} == set(want["tasks"])
    for t in stats.tasks:
        expected = want["tasks"][t.task_id]
        assert (t.answers, t.correct, t.unanswered) == (
            expected["answers"],
            expected["correct"],
            expected["blank"],
        )
        top = max(expected["wrong"].values(), default=0)
        assert t.wrong_count == top
        if top:
            assert expected["wrong"][t.wrong_party] == top
        else:
            assert t.wrong_party is None
    keys = [(t.correct_rate, -t.unanswered_rate, t.task_id) for t in stats.tasks]
    assert keys == sorted(keys)  # most missed first


def test_verdicts_carry_their_attempts_scenario_and_version(db):
    _seed(db.session)
    pairs = db.session.execute(
        select(
            AttemptAnswer.scenario_slug,
            Attempt.scenario_slug,
            AttemptAnswer.version_id,
            Attempt.version_id,
        ).join(Attempt, Attempt.id == AttemptAnswer.attempt_id)
    ).all()
    assert len(pairs) == 40 * 16 + 7 * len(content.find_published(db.session, OTHER).scenario.tasks)
    assert all(a == b and c == d for a, b, c, d in pairs)


def test_analytics_read_only_covering_indexes(tmp_path):
    """SQLite's plan for each statement over attempts and verdicts: a covering index search,
    no join from verdicts to attempts, no table scan, no temp b-tree over verdicts."""
    app = make_app(f"sqlite:///{tmp_path / 'plan.sqlite3'}", tmp_path)
    database.upgrade(app)
    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((" ".join(statement.split()), parameters))

    with app.app_context():
        _seed(db.session)
        event.listen(db.engine, "before_cursor_execute", capture)
        for version_id in (None, 1):
            scenario_stats(db.session, SLUG, version_id)
        event.remove(db.engine, "before_cursor_execute", capture)
        analytic = [(q, p) for q, p in statements if " FROM attempt" in q]
        # histogram, learners, verdict counts, and per variant histogram and learners; twice
        assert len(analytic) == 10
        for statement, parameters in analytic:
            plan = " ".join(
                row[-1]
                for row in db.session.connection().exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters
                )
            )
            assert "USING COVERING INDEX ix_attempt" in plan, (statement, plan)
            assert "SCAN attempt" not in plan, (statement, plan)
            assert " JOIN " not in statement, (statement, plan)
            if "attempt_answers" in statement:
                assert "COVERING INDEX ix_attempt_answers_analytics" in plan, plan
                assert "TEMP B-TREE" not in plan, plan
        db.session.remove()
        db.engine.dispose()


# --- migration 0003 backfills existing verdicts ----------------------------------------------


def test_migration_backfills_scenario_and_version(empty_database, tmp_path):
    app = make_app(empty_database, tmp_path)
    database.upgrade(app, "0002")
    rows = {"a1": ("alpha", 1), "a2": ("alpha", 2), "b1": ("beta", 3)}
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO scenarios (id, slug, origin, status, created_at, updated_at) "
                    "VALUES (1, 'alpha', 'builtin', 'published', :t, :t), "
                    "(2, 'beta', 'builtin', 'published', :t, :t)"
                ),
                {"t": "2026-01-01 00:00:00"},
            )
            for vid, sid in ((1, 1), (2, 1), (3, 2)):
                conn.execute(
                    text(
                        "INSERT INTO scenario_versions (id, scenario_id, number, content_hash, "
                        "document, created_at) VALUES (:v, :s, :v, :h, '{}', :t)"
                    ),
                    {"v": vid, "s": sid, "h": str(vid) * 64, "t": "2026-01-01 00:00:00"},
                )
            for attempt_id, (slug, vid) in rows.items():
                conn.execute(
                    text(
                        "INSERT INTO attempts (id, scenario_slug, version_id, answers, score, "
                        "correct, total, created_at) VALUES (:a, :s, :v, '{}', 0.5, 1, 2, :t)"
                    ),
                    {"a": attempt_id, "s": slug, "v": vid, "t": "2026-01-01 00:00:00"},
                )
                for position, task in enumerate(("t1", "t2")):
                    conn.execute(
                        text(
                            "INSERT INTO attempt_answers (attempt_id, task_id, position, given, "
                            "expected, correct) VALUES (:a, :k, :p, 'aws', 'aws', :c)"
                        ),
                        {"a": attempt_id, "k": task, "p": position, "c": True},
                    )
        db.engine.dispose()
    database.upgrade(app)
    with app.app_context():
        got = db.session.execute(
            select(AttemptAnswer.attempt_id, AttemptAnswer.scenario_slug, AttemptAnswer.version_id)
        ).all()
        assert sorted(got) == sorted((a, *rows[a]) for a in rows for _ in range(2))
        columns = {c["name"]: c for c in inspect(db.engine).get_columns("attempt_answers")}
        assert not columns["scenario_slug"]["nullable"]
        assert not columns["version_id"]["nullable"]
        indexes = {
            i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("attempt_answers")
        }
        assert indexes["ix_attempt_answers_analytics"] == [
            "scenario_slug",
            "task_id",
            "given",
            "correct",
            "version_id",
        ]
        attempt_indexes = {i["name"] for i in inspect(db.engine).get_indexes("attempts")}
        assert "ix_attempts_analytics" in attempt_indexes
        assert "ix_attempts_scenario_slug_score" not in attempt_indexes
        assert scenario_stats(db.session, "alpha").tasks[0].answers == 2
        db.session.remove()
        db.engine.dispose()
    database.downgrade(app, "0002")  # and back down: the columns and the index go away again
    with app.app_context():
        assert "scenario_slug" not in {
            c["name"] for c in inspect(db.engine).get_columns("attempt_answers")
        }
        assert "ix_attempts_scenario_slug_score" in {
            i["name"] for i in inspect(db.engine).get_indexes("attempts")
        }
        db.engine.dispose()
