"""Time the per-scenario analytics query on 100,000 attempts (target: well under a second).

Run: python bench/analytics.py [--attempts 100000] [--database-url URL] [--runs 5]
Without --database-url it uses a fresh SQLite file in a temporary folder. With a
PostgreSQL URL the schema there is dropped and migrated from scratch, so point it at a
scratch database. Seeds one built-in scenario (16 tasks, so 1.6 million per-task rows)
with random answers, then times scenario_stats(), which aggregates in SQL. Prints the
figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, text

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
                given = (None if roll > .97 else expected if roll < skill
                         else rng.choice([p for p in scenario.parties if p != expected]))
                correct += given == expected
                answers.append({"attempt_id": attempt_id, "task_id": task.id,
                                "position": position, "given": given, "expected": expected,
                                "correct": given == expected})
            total = len(scenario.tasks)
            attempts.append({"id": attempt_id, "scenario_slug": SLUG, "version_id": version.id,
                             "variant": variant, "learner_id": rng.choice(learners),
                             "answers": {}, "score": correct / total, "correct": correct,
                             "total": total})
        db.session.execute(insert(Attempt), attempts)
        db.session.execute(insert(AttemptAnswer), answers)
        db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="srm-bench-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(folder),
                      "SECRET_KEY": "bench"})
    with app.app_context():
        if url.startswith("postgres"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
    database.upgrade(app)
    with app.app_context():
        started = time.perf_counter()
        seed(args.attempts)
        print(f"seeded {args.attempts:,} attempts in {time.perf_counter() - started:.1f} s "
              f"({db.engine.dialect.name})")
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            stats = scenario_stats(db.session, SLUG)
            timings.append(time.perf_counter() - started)
        print(f"analytics for {stats.attempts:,} attempts, {len(stats.tasks)} tasks: "
              f"median {statistics.median(timings) * 1000:.0f} ms, "
              f"best {min(timings) * 1000:.0f} ms over {args.runs} runs")
        print(f"median score {stats.median:.2f}; most missed: {stats.tasks[0].task_id} "
              f"({stats.tasks[0].correct_rate:.0%} correct)")


if __name__ == "__main__":
    main()
