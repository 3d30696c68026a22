"""CPU per request of each step of a live class, in process (Flask's test client, no
server): what a class of N learners costs the app per endpoint, apart from gunicorn and
the network. Join, play page, state poll (200 and 304), panel at "open", answer set, the
host's dashboard, state and panel after "reveal"; medians of process_time.

    python bench/class_cost.py                     # SQLite, 200 learners
    python bench/class_cost.py --db postgresql -n 300
    python bench/class_cost.py --profile "panel reveal"   # and cProfile that step
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import load_classroom as lc  # noqa: E402

STEPS = (
    "join",
    "play page",
    "state 200",
    "state 304",
    "panel open",
    "answers",
    "dashboard",
    "state reveal",
    "panel reveal",
)


class Meter:
    """CPU milliseconds of each call, per step; one step may be profiled."""

    def __init__(self, profiled: str | None) -> None:
        self.costs: dict[str, list[float]] = defaultdict(list)
        self.profiled = profiled
        self.profile = cProfile.Profile()

    def __call__(self, step: str, call: Callable[[], Any]) -> Any:
        started = time.process_time()
        if step == self.profiled:
            self.profile.enable()
        result = call()
        if step == self.profiled:
            self.profile.disable()
        self.costs[step].append((time.process_time() - started) * 1000)
        return result


def run(url: str, n: int, meter: Meter) -> None:
    from webapp import create_app

    folder = Path(tempfile.mkdtemp(prefix="srm-class-cost-"))
    secret = secrets.token_hex(16)
    code, key, _ = lc.prepare(url, folder, secret)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret,
            "INSTANCE_PATH": str(folder),
            "SRM_LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLED": False,
        }
    )
    api = f"/api/v1/sessions/{code}"
    learners = []
    for i in range(n):
        client = app.test_client()
        joined = meter(
            "join", lambda c=client, i=i: c.post(f"{api}/join", json={"nickname": f"L{i}"})
        )
        assert joined.status_code == 201, joined.get_data(as_text=True)
        meter("play page", lambda c=client: c.get(f"/play/{code}"))
        learners.append([client, joined.get_json()["participant_token"], ""])
    for learner in learners:
        client = learner[0]
        learner[2] = meter("state 200", lambda c=client: c.get(f"{api}/state")).headers["ETag"]
    for client, _, etag in learners:
        polled = meter(
            "state 304",
            lambda c=client, e=etag: c.get(f"{api}/state", headers={"If-None-Match": e}),
        )
        assert polled.status_code == 304, polled.status_code
    host, csrf = _host(app)

    def host_post(action: str) -> None:
        sent = host.post(
            f"{api}/{action}",
            data=b"{}",
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
        )
        assert sent.status_code < 300, (action, sent.status_code)

    host_post("open")
    for client, _token, _ in learners:
        meter("panel open", lambda c=client: c.get(f"/play/{code}/panel"))
    for client, token, _ in learners:
        body = {
            "participant_token": token,
            "scenario_id": lc.SCENARIO,
            "answer_set": 1,
            "answers": dict(key),
        }
        sent = meter("answers", lambda c=client, b=body: c.post(f"{api}/answers", json=b))
        assert sent.status_code == 201, sent.get_data(as_text=True)
        meter("dashboard", lambda: host.get(f"{api}/dashboard"))
    host_post("reveal")
    for client, _, etag in learners:
        meter(
            "state reveal",
            lambda c=client, e=etag: c.get(f"{api}/state", headers={"If-None-Match": e}),
        )
        meter("panel reveal", lambda c=client: c.get(f"/play/{code}/panel"))
    with app.app_context():
        from webapp.extensions import db

        db.engine.dispose()


def _host(app) -> tuple[Any, str]:
    """The instructor's client, signed in through the login form, and its CSRF token."""
    host = app.test_client()
    html = host.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    form = {"email": lc.HOST_EMAIL, "password": lc.HOST_PASSWORD, "csrf_token": token}
    host.post("/auth/login", data=form)
    html = host.get("/host/").get_data(as_text=True)
    return host, re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("-n", "--learners", type=int, default=200)
    parser.add_argument("--profile", choices=STEPS, help="cProfile this step (cumulative)")
    args = parser.parse_args()
    meter = Meter(args.profile)
    if args.db == "postgresql":
        url = lc.fresh_postgres()
        try:
            run(url, args.learners, meter)
        finally:
            lc.drop_postgres()
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='srm-class-cost-')}/class.sqlite3"
        run(url, args.learners, meter)
    print(f"{args.db}, {args.learners} learners: ms of CPU per request, in process")
    for step in STEPS:
        values = meter.costs[step]
        print(
            f"{step:<14} n={len(values):5d}  median {statistics.median(values):7.2f}"
            f"  mean {statistics.mean(values):7.2f}"
        )
    if args.profile:
        pstats.Stats(meter.profile).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
