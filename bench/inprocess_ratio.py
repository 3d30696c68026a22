"""Per-request cost of the trainer's hot paths against a bare Flask app, in process.

The same endpoints and baselines as bench/http_ratio.py (grade against the echo of its
body; learner view, catalogue, board page and the anonymous catalogue against the
`jsonify(ok=True)` hello), called through Flask's test client in one thread, with no
server: what is measured is the app's own work per request, which wrk's req/s ratios
follow on a quiet machine. Two ways to count, both robust to other work on the machine:

* `--count time` (default): CPU time (time.process_time) of N requests per round, the
  endpoints in alternating order each round, medians over the rounds.
* `--count instructions`: the script re-runs itself under `valgrind --tool=callgrind` and
  counts CPU instructions per request, which repeat to within a fraction of a percent
  whatever else the machine runs (slow: about 50x; use small N). Each endpoint's loop is
  fenced by a call to os.getppid(), on which callgrind dumps its counters
  (`--dump-before=getppid`), so one dump holds exactly one endpoint's N requests.

The grading learner and the reading learner each hold a learner cookie with one attempt
(as in http_ratio.py); "anonymous" is the catalogue for a browser with no cookie at all.
Every grade is counted against the attempts stored afterwards.

    python bench/inprocess_ratio.py                      # SQLite, CPU time
    python bench/inprocess_ratio.py --db postgresql
    python bench/inprocess_ratio.py --count instructions -n 20
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from http_ratio import (  # noqa: E402
    SCENARIO,
    VARIANT,
    bare_app,
    drop_postgres,
    grade_body,
    trainer_app,
)

BASES = {"grade": "echo", "view": "hello", "catalogue": "hello", "board": "hello"}
BASES["anonymous"] = "hello"
TARGETS = {"grade": 0.35, "view": 0.8, "catalogue": 0.5, "board": 0.5}


def build(db: str) -> tuple[dict[str, Callable[[], Any]], Callable[[], int], Callable[[], None]]:
    """The calls to measure, a count of stored attempts, and a clean-up."""
    app = trainer_app(db, "srm-inprocess-")
    body = json.dumps(grade_body(app)).encode()
    grade_url = f"/api/v1/scenarios/{SCENARIO}/grade"
    grader, reader, stranger = app.test_client(), app.test_client(), app.test_client()
    for client in (grader, reader):
        assert client.post(grade_url, data=body, content_type="application/json").status_code == 200
    bare = bare_app().test_client()
    calls = {
        "hello": lambda: bare.get("/hello"),
        "echo": lambda: bare.post("/echo", data=body, content_type="application/json"),
        "grade": lambda: grader.post(grade_url, data=body, content_type="application/json"),
        "view": lambda: reader.get(f"/api/v1/scenarios/{SCENARIO}?variant={VARIANT}"),
        "catalogue": lambda: reader.get("/"),
        "board": lambda: reader.get(f"/scenarios/{SCENARIO}"),
        "anonymous": lambda: stranger.get("/"),
    }

    def stored() -> int:
        with app.app_context():
            from webapp.extensions import db as sa

            count = sa.session.execute(sa.text("SELECT count(*) FROM attempts")).scalar_one()
            sa.session.remove()
            return int(count)

    def clean() -> None:
        with app.app_context():
            from webapp.extensions import db as sa

            sa.engine.dispose()
        if db == "postgresql":
            drop_postgres()

    return calls, stored, clean


def by_time(db: str, rounds: int, requests: int) -> tuple[dict[str, float], int, int]:
    """CPU ms per request, medians of alternating rounds; attempts stored and expected."""
    calls, stored, clean = build(db)
    costs: dict[str, list[float]] = {name: [] for name in calls}
    for n in range(rounds):
        for name in list(calls) if n % 2 == 0 else list(reversed(calls)):
            call = calls[name]
            assert call().status_code == 200, name
            started = time.process_time()
            for _ in range(requests):
                call()
            costs[name].append((time.process_time() - started) / requests * 1000)
    attempts = stored()
    clean()
    medians = {name: statistics.median(values) for name, values in costs.items()}
    return medians, attempts, 2 + rounds * (requests + 1)


def fenced(db: str, requests: int) -> int:
    """Under callgrind: each endpoint's loop between two os.getppid() calls."""
    calls, stored, clean = build(db)
    for call in calls.values():  # warm every cache and import before counting
        assert call().status_code == 200
    for call in calls.values():
        os.getppid()
        for _ in range(requests):
            call()
    os.getppid()
    attempts = stored()
    clean()
    expected = 2 + len([c for c in calls if c == "grade"]) * (requests + 1)
    print(json.dumps({"names": list(calls), "attempts": attempts, "expected": expected}))
    return 0


def by_instructions(db: str, requests: int) -> tuple[dict[str, float], int, int]:
    """Instructions per request, counted by callgrind (one run; repeatable under load)."""
    folder = Path(tempfile.mkdtemp(prefix="srm-callgrind-"))
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--dump-before=getppid",
            "--dump-instr=no",
            "--compress-strings=no",
            f"--callgrind-out-file={folder}/cg.out",
            sys.executable,
            __file__,
            "--db",
            db,
            "-n",
            str(requests),
            "--fenced",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    ).stdout
    info = json.loads(out.strip().splitlines()[-1])
    parts = sorted(folder.glob("cg.out.*"), key=lambda p: int(p.name.rsplit(".", 1)[1] or 0))
    totals = [_total(p) for p in parts]
    # part 1: start-up and warm-up; then one part per endpoint
    names = info["names"]
    loops = totals[1 : 1 + len(names)]
    medians = {name: cost / requests for name, cost in zip(names, loops, strict=True)}
    return medians, info["attempts"], info["expected"]


def _total(path: Path) -> int:
    text = path.read_text(errors="replace")
    found = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
    return int(found.group(1)) if found else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--count", choices=["time", "instructions"], default="time")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("-n", "--requests", type=int, default=300, help="requests per round")
    parser.add_argument("--fenced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fenced:
        return fenced(args.db, args.requests)
    if args.count == "instructions":
        costs, attempts, expected = by_instructions(args.db, args.requests)
        unit, scale = "M instructions", 1e6
        how = f"callgrind, {args.requests} requests each"
    else:
        costs, attempts, expected = by_time(args.db, args.rounds, args.requests)
        unit, scale = "ms CPU", 1.0
        how = f"process_time, medians of {args.rounds} rounds x {args.requests}"
    load = os.getloadavg()
    print(f"in process, {args.db}: {unit} per request ({how}); load average {load[0]:.2f}")
    print(f"{'endpoint':<12}{unit:>16}{'baseline':>10}{'ratio':>8}{'target':>8}")
    for name, cost in costs.items():
        base = BASES.get(name)
        if base is None:
            print(f"{name:<12}{cost / scale:>16.3f}")
            continue
        ratio = costs[base] / cost
        target = TARGETS.get(name)
        print(
            f"{name:<12}{cost / scale:>16.3f}{base:>10}{ratio:>8.2f}"
            + (f"{target:>8.2f}" if target else "")
        )
    print(f"attempts stored: {attempts} (expected {expected})")
    return 0 if attempts == expected else 1


if __name__ == "__main__":
    sys.exit(main())
