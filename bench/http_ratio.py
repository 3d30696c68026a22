"""The trainer's hot HTTP paths against a bare Flask app on the same server, side by side.

Two servers run at once on loopback, both started through webapp/server.py's gunicorn
options (the same worker class, worker count, access log and hooks as `srm-trainer
serve`): a bare Flask app with a `jsonify(ok=True)` hello and a JSON echo, and the trainer
on a fresh database. `wrk` then loads one endpoint at a time, in alternating rounds, and the
medians and ratios are printed:

    grade        POST /api/v1/scenarios/s3-vpc-ec2-oracle/grade    vs the echo of that body
    learner view GET  /api/v1/scenarios/s3-vpc-ec2-oracle?variant=oracle-on-ec2  vs hello
    catalogue    GET  /                                             vs hello
    board        GET  /scenarios/s3-vpc-ec2-oracle                  vs hello

Every trainer request carries one learner cookie (a returning learner), fetched with a
first grade. Afterwards the stored attempts and per-task rows of that learner are counted
against the 200 responses wrk saw for the grade endpoint, so a fast path that forgets to
store shows up as "missing".

Rate limits: the trainer runs with RATELIMIT_ENABLED=false (SRM_RATELIMIT_ENABLED), as the
load comes from one address and would otherwise be refused by the per-address grading
limit. `--limits redis` instead keeps them on, counted in Redis (database 10) with limits
high enough never to refuse, to show what counting costs.

    python bench/http_ratio.py --db sqlite
    python bench/http_ratio.py --db postgresql --rounds 3 --duration 5
    python bench/http_ratio.py --db sqlite --in-process 300   # CPU ms per request, no server
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from _common import free_port, stop_server  # noqa: E402

stop = stop_server
SCENARIO = "s3-vpc-ec2-oracle"
VARIANT = "oracle-on-ec2"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "srm_http_ratio"
REDIS_URI = "redis://127.0.0.1:6379/10"


# --- the bare app -----------------------------------------------------------------------


def bare_app() -> Any:
    """Flask's floor: a hello and an echo of a JSON body."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.get("/hello")
    def hello() -> Any:
        return jsonify(ok=True)

    @app.post("/echo")
    def echo() -> Any:
        return jsonify(request.get_json())

    return app


def serve_bare(port: int, workers: int, worker_class: str) -> None:
    """Run the bare app under gunicorn with the trainer's own server options."""
    from gunicorn.app.base import BaseApplication

    from webapp.server import _with_connection_close, gunicorn_options

    class Bare(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_options(
                "127.0.0.1", port, workers, worker_class=worker_class
            ).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return _with_connection_close(bare_app())

    Bare().run()


# --- set-up -----------------------------------------------------------------------------


def fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    return f"postgresql://postgres@127.0.0.1/{PG_BENCH_DB}"


def drop_postgres() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from webapp import create_app, database; database.upgrade(create_app())",
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )


def start(cmd: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    out = log.open("wb")
    proc = subprocess.Popen(
        cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return proc
        except urllib.error.HTTPError:
            return proc  # it answers
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited; see {log}") from None
            time.sleep(0.3)
    stop(proc)
    raise RuntimeError(f"server did not start in 60 s; see {log}")


def grade_body(app: Any = None) -> dict[str, Any]:
    """A full answer set for the scenario (half of it right, half wrong: any answers do)."""
    from webapp import create_app
    from webapp.domain import answer_key
    from webapp.services import content

    if app is None:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SRM_LOG_LEVEL": "WARNING"})
    with app.app_context():
        scenario = content.content().library.get(SCENARIO)
        assert scenario is not None, f"no built-in scenario {SCENARIO}"
        key = answer_key(scenario, VARIANT, content.rules())
    answers = {
        tid: (party if i % 2 else "customer") for i, (tid, party) in enumerate(sorted(key.items()))
    }
    return {"variant": VARIANT, "answers": answers}


def learner_cookie(port: int, body: bytes) -> tuple[str, str]:
    """A first grade: the learner cookie it sets and the learner id it stands for."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/scenarios/{SCENARIO}/grade",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        cookie = resp.headers["Set-Cookie"].split(";", 1)[0]
        attempt_id = json.loads(resp.read())["attempt_id"]
    return cookie, attempt_id


# --- wrk --------------------------------------------------------------------------------


def lua_script(
    folder: Path, name: str, method: str, body: bytes | None, headers: dict[str, str]
) -> Path:
    lines = [f'wrk.method = "{method}"']
    for key, value in headers.items():
        lines.append(f"wrk.headers[{json.dumps(key)}] = {json.dumps(value)}")
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body.decode())}")
    path = folder / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(
    url: str, script: Path, duration: float, threads: int, connections: int
) -> tuple[float, int, int]:
    """(requests per second, requests completed, responses other than 2xx/3xx or errors)."""
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate_line = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total_line = re.search(r"(\d+) requests in", out)
    if rate_line is None or total_line is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    rate, total = float(rate_line.group(1)), int(total_line.group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors:
        bad += sum(int(n) for n in errors.groups()[1:3])
    return rate, total, bad


def count_stored(url: str) -> tuple[int, int]:
    """Attempts and per-task rows in the (fresh) database."""
    from sqlalchemy import create_engine, text

    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url)
    with engine.connect() as conn:
        attempts = conn.execute(text("SELECT count(*) FROM attempts")).scalar_one()
        rows = conn.execute(text("SELECT count(*) FROM attempt_answers")).scalar_one()
    engine.dispose()
    return attempts, rows


# --- in process ---------------------------------------------------------------------------


def trainer_app(db: str, prefix: str):
    """The trainer in process on a fresh database (PostgreSQL or a temp SQLite file),
    migrated, rate limits off: what the in-process measurements call."""
    from webapp import create_app, database

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    url = fresh_postgres() if db == "postgresql" else f"sqlite:///{folder / 'db.sqlite3'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_hex(16),
            "INSTANCE_PATH": str(folder),
            "RATELIMIT_ENABLED": False,
            "SRM_LOG_LEVEL": "WARNING",
        }
    )
    database.upgrade(app)
    return app


def in_process(db: str, rounds: int, requests: int) -> int:
    """CPU time per request through Flask's test client, one thread, no server: the same
    endpoints and baselines, steadier than wrk while other work loads the machine."""
    app = trainer_app(db, "srm-http-ratio-")
    body = json.dumps(grade_body(app)).encode()
    grader, reader = app.test_client(), app.test_client()
    for client in (grader, reader):
        assert (
            client.post(
                f"/api/v1/scenarios/{SCENARIO}/grade", data=body, content_type="application/json"
            ).status_code
            == 200
        )
    bare = bare_app().test_client()
    calls = {
        "hello": lambda: bare.get("/hello"),
        "echo": lambda: bare.post("/echo", data=body, content_type="application/json"),
        "grade": lambda: grader.post(
            f"/api/v1/scenarios/{SCENARIO}/grade", data=body, content_type="application/json"
        ),
        "view": lambda: reader.get(f"/api/v1/scenarios/{SCENARIO}?variant={VARIANT}"),
        "catalogue": lambda: reader.get("/"),
        "board": lambda: reader.get(f"/scenarios/{SCENARIO}"),
    }
    costs: dict[str, list[float]] = {name: [] for name in calls}
    for n in range(rounds):
        for name in list(calls) if n % 2 == 0 else list(reversed(calls)):
            call = calls[name]
            assert call().status_code == 200
            started = time.process_time()
            for _ in range(requests):
                call()
            costs[name].append((time.process_time() - started) / requests * 1000)
    with app.app_context():
        from webapp.extensions import db as sa

        attempts = sa.session.execute(sa.text("SELECT count(*) FROM attempts")).scalar_one()
        sa.session.remove()
        sa.engine.dispose()
    if db == "postgresql":
        drop_postgres()
    medians = {name: statistics.median(values) for name, values in costs.items()}
    load = os.getloadavg()
    print(
        f"in process, {db}: CPU ms per request (test client, one thread), medians of "
        f"{rounds} rounds x {requests}; load average {load[0]:.2f}"
    )
    bases = {"grade": "echo", "view": "hello", "catalogue": "hello", "board": "hello"}
    for name, ms in medians.items():
        base = bases.get(name)
        ratio = f"{medians[base] / ms:8.2f} of {base}" if base else ""
        print(f"{name:<12}{ms:8.2f} ms {ratio}")
    expected = 2 + rounds * (requests + 1)
    print(f"attempts stored: {attempts} (expected {expected})")
    return 0 if attempts == expected else 1


# --- the run ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=["gevent", "gthread"], default="gevent")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections")
    parser.add_argument("--limits", choices=["off", "redis"], default="off")
    parser.add_argument("--only", help="comma-separated endpoint names to load")
    parser.add_argument(
        "--in-process",
        type=int,
        metavar="N",
        help="instead: CPU time of N requests per round through the test client",
    )
    parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        return in_process(args.db, args.rounds, args.in_process)
    if args.serve_bare:
        serve_bare(args.serve_bare, args.workers, args.worker_class)
        return 0

    folder = Path(tempfile.mkdtemp(prefix="srm-http-ratio-"))
    url = (
        fresh_postgres()
        if args.db == "postgresql"
        else f"sqlite:///{folder / 'instance' / 'srm-trainer.sqlite3'}"
    )
    env = {
        **os.environ,
        "SRM_SQLALCHEMY_DATABASE_URI": url,
        "SRM_SECRET_KEY": secrets.token_hex(16),
        "SRM_INSTANCE_PATH": str(folder / "instance"),
        "SRM_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if args.limits == "off":
        env["SRM_RATELIMIT_ENABLED"] = "false"
    else:
        env.update(SRM_RATELIMIT_STORAGE_URI=REDIS_URI, SRM_GRADE_LIMIT="100000000 per minute")
    migrate(env)
    bare_port, app_port = free_port(), free_port()
    srm = str(Path(sys.executable).with_name("srm-trainer"))
    servers = [
        start(
            [
                sys.executable,
                __file__,
                "--serve-bare",
                str(bare_port),
                "--workers",
                str(args.workers),
                "--worker-class",
                args.worker_class,
            ],
            env,
            bare_port,
            folder / "bare.log",
        ),
        start(
            [
                srm,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(app_port),
                "--workers",
                str(args.workers),
                "--worker-class",
                args.worker_class,
                "--no-migrate",
            ],
            env,
            app_port,
            folder / "trainer.log",
        ),
    ]
    try:
        body = json.dumps(grade_body()).encode()
        cookie, _ = learner_cookie(app_port, body)
        # the pages are loaded by another learner with one attempt: the grading learner
        # makes thousands, which no real learner's catalogue (best scores) has to read
        reader, _ = learner_cookie(app_port, body)
        jh = {"Content-Type": "application/json"}
        ch = {"Cookie": cookie}
        rh = {"Cookie": reader}
        bare = f"http://127.0.0.1:{bare_port}"
        app = f"http://127.0.0.1:{app_port}"
        endpoints = {
            "hello": (f"{bare}/hello", "GET", None, {}),
            "echo": (f"{bare}/echo", "POST", body, jh),
            "grade": (f"{app}/api/v1/scenarios/{SCENARIO}/grade", "POST", body, {**jh, **ch}),
            "view": (f"{app}/api/v1/scenarios/{SCENARIO}?variant={VARIANT}", "GET", None, rh),
            "catalogue": (f"{app}/", "GET", None, rh),
            "board": (f"{app}/scenarios/{SCENARIO}", "GET", None, rh),
        }
        chosen = args.only.split(",") if args.only else list(endpoints)
        for needed in ("hello", "echo"):
            if needed not in chosen:
                chosen.insert(0, needed)
        scripts = {
            name: lua_script(folder, name, method, data, headers)
            for name, (_, method, data, headers) in endpoints.items()
        }
        rates: dict[str, list[float]] = {name: [] for name in chosen}
        ok_grades = 0
        bad_total = 0
        for n in range(args.rounds):
            order = chosen if n % 2 == 0 else list(reversed(chosen))
            for name in order:
                rate, total, bad = run_wrk(
                    endpoints[name][0], scripts[name], args.duration, args.threads, args.connections
                )
                rates[name].append(rate)
                bad_total += bad
                if name == "grade":
                    ok_grades += total - bad
                print(
                    f"round {n + 1} {name:<10} {rate:9.0f} req/s"
                    + (f"  ({bad} not 2xx)" if bad else ""),
                    flush=True,
                )
    finally:
        for proc in servers:
            stop(proc)
    attempts, rows = count_stored(url)
    if args.db == "postgresql":
        drop_postgres()
    tasks = len(json.loads(body)["answers"])
    medians = {name: statistics.median(values) for name, values in rates.items()}
    load = os.getloadavg()
    print(
        f"\n{args.db}, {args.workers} {args.worker_class} workers, wrk -t{args.threads} "
        f"-c{args.connections} -d{args.duration:g}s x {args.rounds} rounds, limits "
        f"{args.limits}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(f"{'endpoint':<12}{'median req/s':>14}{'baseline':>10}{'ratio':>8}{'target':>8}")
    targets: dict[str, tuple[str, float]] = {
        "grade": ("echo", 0.35),
        "view": ("hello", 0.8),
        "catalogue": ("hello", 0.5),
        "board": ("hello", 0.5),
    }
    met = True
    for name, median in medians.items():
        if name not in targets:
            print(f"{name:<12}{median:>14.0f}")
            continue
        base, target = targets[name]
        ratio = median / medians[base]
        met &= ratio >= target
        print(
            f"{name:<12}{median:>14.0f}{base:>10}{ratio:>8.2f}{target:>8.2f}"
            + ("" if ratio >= target else "  below")
        )
    # wrk stops counting at its deadline while the server still answers what is in flight:
    # the trainer's access log has every 200 it sent (the first grade included)
    answered = served_200(folder / "trainer.log", f"POST /api/v1/scenarios/{SCENARIO}/grade")
    print(
        f"grades: wrk saw {ok_grades} 200s, the trainer sent {answered} (with the two first ones); "
        f"attempts stored: {attempts}, per-task rows: {rows} (expected {answered * tasks}); "
        f"missing: {answered - attempts}; non-2xx or errors overall: {bad_total}"
    )
    stored_ok = attempts == answered and rows == answered * tasks and answered > ok_grades
    return 0 if met and stored_ok else 1


def served_200(log: Path, request_line: str) -> int:
    """How many times the access log shows this request answered with 200."""
    pattern = re.compile(rf'"{re.escape(request_line)} HTTP/1\.1" 200 ')
    with log.open(errors="replace") as fh:
        return sum(1 for line in fh if pattern.search(line))


if __name__ == "__main__":
    sys.exit(main())
