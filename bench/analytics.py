"""Time the per-scenario analytics query on 100,000 attempts (target: well under a second).

Run: python bench/analytics.py [--attempts 100000] [--database-url URL] [--runs 5] [--explain]
Without --database-url it uses a fresh SQLite file in a temporary folder. With a
PostgreSQL URL the schema there is dropped and migrated from scratch, so point it at a
scratch database. Seeds one built-in scenario (16 tasks, so 1.6 million per-task rows)
with random answers, then times scenario_stats(), which aggregates in SQL, for the whole
scenario and for one version. On PostgreSQL it runs VACUUM ANALYZE after seeding (what
autovacuum does to a table that received inserts), so index-only scans see a current
visibility map. --explain prints the plan of every statement scenario_stats runs
(EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL). Prints the figures; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, insert, select, text

from webapp import create_app, database
from webapp.domain import answer_key
from webapp.extensions import db
from webapp.models import Attempt, AttemptAnswer
from webapp.services import content
from webapp.services.analytics import scenario_stats

SLUG = "s3-vpc-ec2-oracle"
BATCH = 5_000


def seed(count: int) -> None:
    """Insert `count` graded attempts with per-task verdicts, in batches."""
    playable = content.find_published(db.session, SLUG)
    version = content.snapshot_version(db.session, playable)
    db.session.commit()
    scenario = playable.scenario
    key = {v: answer_key(scenario, v, content.rules()) for v in scenario.variant_ids}
    rng = random.Random(7)
    learners = [secrets.token_hex(8) for _ in range(count // 3 + 1)]
    for start in range(0, count, BATCH):
        attempts, answers = [], []
        for _ in range(min(BATCH, count - start)):
            attempt_id = secrets.token_hex(16)
            variant = rng.choice(scenario.variant_ids)
            skill = rng.random()
            correct = 0
            for position, task in enumerate(scenario.tasks):
                expected = key[variant][task.id]
                roll = rng.random()
                given = (
                    None
                    if roll > 0.97
                    else expected
                    if roll < skill
                    else rng.choice([p for p in scenario.parties if p != expected])
                )
                correct += given == expected
                answers.append(
                    {
                        "attempt_id": attempt_id,
                        "task_id": task.id,
                        "position": position,
                        "given": given,
                        "expected": expected,
                        "correct": given == expected,
                        "scenario_slug": SLUG,
                        "version_id": version.id,
                    }
                )
            total = len(scenario.tasks)
            attempts.append(
                {
                    "id": attempt_id,
                    "scenario_slug": SLUG,
                    "version_id": version.id,
                    "variant": variant,
                    "learner_id": rng.choice(learners),
                    "answers": {},
                    "score": correct / total,
                    "correct": correct,
                    "total": total,
                }
            )
        db.session.execute(insert(Attempt), attempts)
        db.session.execute(insert(AttemptAnswer), answers)
        db.session.commit()


def explain(version_id: int | None) -> None:
    """Print the plan of each statement scenario_stats runs, with the same parameters."""
    statements = []

    def capture(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        scenario_stats(db.session, SLUG, version_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    prefix = (
        "EXPLAIN QUERY PLAN "
        if db.engine.dialect.name == "sqlite"
        else "EXPLAIN (ANALYZE, BUFFERS) "
    )
    connection = db.session.connection()
    for statement, parameters in statements:
        print("\n" + " ".join(statement.split()))
        for row in connection.exec_driver_sql(prefix + statement, parameters):
            print("   ", " | ".join(str(c) for c in row))


def timed(runs: int, version_id: int | None) -> tuple[list[float], object]:
    """Run scenario_stats `runs` times; the timings in seconds and the last result."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        stats = scenario_stats(db.session, SLUG, version_id)
        timings.append(time.perf_counter() - started)
        db.session.rollback()  # a page view is its own transaction
    return timings, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="srm-bench-"))
    try:
        run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the SQLite file takes ~370 MB


def run(args: argparse.Namespace, folder: Path) -> None:
    """Migrate, seed, time and (optionally) explain, in `folder` or the given database."""
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder), "SECRET_KEY": "bench"}
    )
    with app.app_context():
        if url.startswith("postgres"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    database.upgrade(app)
    with app.app_context():
        started = time.perf_counter()
        seed(args.attempts)
        print(
            f"seeded {args.attempts:,} attempts in {time.perf_counter() - started:.1f} s "
            f"({db.engine.dialect.name})"
        )
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        version_id = db.session.execute(select(Attempt.version_id).limit(1)).scalar_one()
        for label, chosen in (("whole scenario", None), ("one version", version_id)):
            timings, stats = timed(args.runs, chosen)
            print(
                f"analytics ({label}) for {stats.attempts:,} attempts, {len(stats.tasks)} "
                f"tasks: median {statistics.median(timings) * 1000:.0f} ms, "
                f"best {min(timings) * 1000:.0f} ms over {args.runs} runs"
            )
        print(
            f"median score {stats.median:.2f}; most missed: {stats.tasks[0].task_id} "
            f"({stats.tasks[0].correct_rate:.0%} correct)"
        )
        if args.explain:
            explain(None)
            explain(version_id)
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
