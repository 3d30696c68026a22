"""Delivering queued LMS scores: how many a second reach a platform on loopback.

Run: python bench/lti_outbox.py [--scores 600] [--senders 1 2] [--database-url URL]

Enqueues the scores (one learner each, as a class of learners finishing at once would),
then delivers them with 1, then 2 concurrent senders (threads, each with its own session)
against the test platform (tests/helpers/lti_platform_services.py: token endpoint that
verifies the signed assertion, scores endpoint that records them), and prints scores per
second and that each score arrived once. A figure, not a test: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp import create_app, database  # noqa: E402


def run(app, platform, scores: int, senders: int) -> tuple[float, int, int]:
    from sqlalchemy import delete

    from tests.helpers.lti_platform_services import ISSUER
    from webapp.extensions import db
    from webapp.lti_services.client import new_http
    from webapp.lti_services.delivery import deliver_due
    from webapp.lti_services.outbox import ScoreTarget, enqueue_score
    from webapp.lti_services.tokens import TokenCache
    from webapp.models import ScoreOutbox

    lineitem = platform.add_lineitem()
    platform.received.scores.clear()
    client = platform.client()
    with app.app_context():
        db.session.execute(delete(ScoreOutbox))
        now = datetime.now(UTC).replace(tzinfo=None)
        for n in range(scores):
            enqueue_score(
                db.session,
                ScoreTarget(ISSUER, lineitem, f"learner-{n}"),
                attempt_id=f"bench-{senders}-{n}",
                score_given=n % 101,
                score_maximum=100.0,
                attempted_at=now,
            )
        db.session.commit()
    tokens = TokenCache()
    sent: list[int] = []

    def sender() -> None:
        http = new_http()
        with app.app_context():
            while True:
                done = deliver_due(db.session, lambda _i: client, http, tokens=tokens)
                sent.extend(done.sent)
                if not done.handled:
                    return

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    users = [s["userId"] for s in platform.received.scores]
    return scores / elapsed, len(users), len(set(users))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scores", type=int, default=600)
    parser.add_argument("--senders", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    args = parser.parse_args()

    from tests.helpers.lti_platform_services import PlatformServices, make_tool_key

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": tmp})
        database.upgrade(app)
        platform = PlatformServices(make_tool_key()).start()
        try:
            for senders in args.senders:
                rate, received, distinct = run(app, platform, args.scores, senders)
                print(
                    f"{senders} sender(s): {rate:.0f} scores/s, "
                    f"{received} received, {distinct} distinct"
                )
        finally:
            platform.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
