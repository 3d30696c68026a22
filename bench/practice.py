"""Dealing and grading a practice round for a learner with many past reviews, per request.

Run: python bench/practice.py [--reviews 5000] [--rounds 40] [--database-url URL]

A learner builds up the history through the API itself (rounds of 10 cards, answered at
random), so every review is a real one the scheduler wrote. Then, in alternating rounds
in the same process, it times dealing a round (POST /api/v1/practice/rounds) plus answering
it (POST .../answers) against the board page (GET /scenarios/s3-vpc-ec2-oracle), and
prints the medians and their ratio (target: well under 1, the board page's own cost).
A figure, not a test: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp import create_app, database  # noqa: E402

ROUNDS = "/api/v1/practice/rounds"
BOARD = "/scenarios/s3-vpc-ec2-oracle"


def play_round(client, rng: random.Random, times: dict[str, list[float]] | None = None) -> None:
    """Deal a round and answer it at random; with `times`, note each request's milliseconds."""
    start = time.perf_counter()
    dealt = client.post(ROUNDS, json={"size": 10})
    middle = time.perf_counter()
    assert dealt.status_code in (200, 201), dealt.get_data(as_text=True)
    body = dealt.get_json()
    answers = {c["id"]: rng.choice(c["parties"]) for c in body["cards"]}
    before = time.perf_counter()
    graded = client.post(f"{ROUNDS}/{body['round_id']}/answers", json={"answers": answers})
    end = time.perf_counter()
    assert graded.status_code == 200, graded.get_data(as_text=True)
    if times is not None:
        times["deal"].append((middle - start) * 1000)
        times["answer"].append((end - before) * 1000)


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=40, help="timed rounds of each")
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/practice.sqlite3"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "INSTANCE_PATH": tmp,
                "RATELIMIT_ENABLED": False,
            }
        )
        database.upgrade(app)
        client = app.test_client()
        client.get("/practice")  # the learner cookie
        started = time.perf_counter()
        for _ in range(args.reviews // 10):
            play_round(client, rng)
        print(
            f"history: {args.reviews // 10 * 10} reviews in {time.perf_counter() - started:.1f} s"
        )
        client.get(BOARD)
        practice, board = [], []
        times: dict[str, list[float]] = {"deal": [], "answer": []}
        for _ in range(args.rounds):  # alternating, so drift hits both alike
            practice.append(timed(lambda: play_round(client, rng, times)))
            board.append(timed(lambda: client.get(BOARD).close()))
        p, b = statistics.median(practice), statistics.median(board)
        print(f"deal + answer a round: median {p:.2f} ms ({args.rounds} rounds)")
        print(f"  deal (POST rounds):  median {statistics.median(times['deal']):.2f} ms")
        print(f"  answer (POST .../answers): median {statistics.median(times['answer']):.2f} ms")
        print(f"board page:            median {b:.2f} ms")
        print(f"ratio (round / board): {p / b:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
