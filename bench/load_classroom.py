"""Load benchmark of a live class: N learners on `srm-trainer serve` (gunicorn, several workers).

For each database (PostgreSQL in a fresh database of its own, and SQLite in a temp file):
migrate, create an instructor and a session in-process, start `srm-trainer serve` with
several gthread workers, then drive N simulated learners from one asyncio process:

  join (JSON endpoint) -> load the play page -> poll the state like play.js (If-None-Match,
  1.0-1.3 s) -> when the host opens answering, fetch the panel, "think" for a random
  0.5-3 s and submit -> fetch the panel -> follow the reveal -> stop at the end (410).

Meanwhile the host, signed in through the real login form, polls the dashboard. Afterwards
the database is counted: participants, answer sets (attempts), per-task verdicts, duplicates.

Only 127.0.0.1 traffic; the number of learners, connections and the run time are bounded.
Every learner comes from 127.0.0.1, one address, so the per-address join limit
(SRM_JOIN_LIMIT, "600 per minute" by default) would refuse a big room: the server gets
SRM_JOIN_LIMIT="100000 per minute" unless the environment sets it. The PostgreSQL run uses
a database of its own, srm_bench_<pid> (SRM_BENCH_PG_DB overrides), dropped afterwards.

    .venv/bin/python bench/load_classroom.py                 # both databases, N=300
    .venv/bin/python bench/load_classroom.py --db sqlite -n 1000 --workers 4 --threads 4 \
        --worker-class gthread
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from _common import free_port, stop_server  # noqa: E402

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1/postgres"
PG_BENCH_DB = os.environ.get("SRM_BENCH_PG_DB") or f"srm_bench_{os.getpid()}"
JOIN_LIMIT = "100000 per minute"  # all learners share one address here
SCENARIO = "s3-vpc-ec2-oracle"
HOST_EMAIL = "bench-host@example.org"
HOST_PASSWORD = "bench password that is long enough"
MAX_LEARNERS = 1000
RUN_LIMIT = 240.0  # seconds: the whole class must be over by then
POLL = 1.0  # as static/js/play.js
JITTER = 0.3


# --- a small HTTP/1.1 client on asyncio (keep-alive, one connection per learner) ---------


class Http:
    """One keep-alive connection to the local server; reconnects when the server closed it."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    async def _connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        body: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict, bytes]:
        data = json.dumps(body).encode() if body is not None else b""
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Connection: keep-alive",
        ]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + data
        for attempt in (1, 2):
            fresh = self.writer is None
            if fresh:
                await self._connect()
            try:
                self.writer.write(raw)
                await self.writer.drain()
                return await asyncio.wait_for(self._response(), 30)
            except (ConnectionError, asyncio.IncompleteReadError, EmptyReply):
                await self.close()
                if fresh or attempt == 2:  # a fresh connection failing is a real error
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, dict, bytes]:
        status_line = await self.reader.readline()
        if not status_line:
            raise EmptyReply()
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key] = val
            headers[name] = value
        length = int(headers.get("content-length", "0"))
        payload = await self.reader.readexactly(length) if length else b""
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, payload


class EmptyReply(Exception):
    """The server closed an idle keep-alive connection before answering."""


# --- set-up: database, app data, server ------------------------------------------------


def fresh_postgres(name: str = PG_BENCH_DB) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql://postgres@127.0.0.1/{name}"


def drop_postgres(name: str = PG_BENCH_DB) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def prepare(url: str, instance: Path, secret: str) -> tuple[str, dict[str, str], int]:
    """Migrate, create the instructor and the session; returns (code, answer key, tasks)."""
    from webapp import create_app, database
    from webapp.domain import answer_key
    from webapp.extensions import db
    from webapp.services import accounts, content
    from webapp.services.classroom import sessions as svc

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret,
            "INSTANCE_PATH": str(instance),
            "SRM_LOG_LEVEL": "WARNING",
        }
    )
    database.upgrade(app)
    with app.app_context():
        host = accounts.create_user(db.session, HOST_EMAIL, "instructor", HOST_PASSWORD)
        picks = svc.parse_picks(db.session, [SCENARIO])
        cs = svc.create_session(db.session, host, picks)
        db.session.commit()
        code, variant = cs.code, cs.scenarios[0].variant
        key = answer_key(content.content().library.get(SCENARIO), variant, content.rules())
        db.engine.dispose()
    return code, key, len(key)


def start_server(
    url: str,
    instance: Path,
    secret: str,
    port: int,
    workers: int,
    threads: int,
    log: Path,
    worker_class: str = "gevent",
) -> subprocess.Popen:
    env = {
        **os.environ,
        "SRM_SQLALCHEMY_DATABASE_URI": url,
        "SRM_SECRET_KEY": secret,
        "SRM_INSTANCE_PATH": str(instance),
        "SRM_LOG_LEVEL": "WARNING",
        "SRM_JOIN_LIMIT": os.environ.get("SRM_JOIN_LIMIT", JOIN_LIMIT),
    }
    cmd = [
        str(Path(sys.executable).with_name("srm-trainer")),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        worker_class,
        "--no-migrate",
    ]
    out = log.open("wb")
    proc = subprocess.Popen(
        cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited; see {log}") from None
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("server did not start in 30 s")


def gunicorn_master(pid: int) -> int:
    """`srm-trainer serve` is the gunicorn master itself (it runs gunicorn in-process)."""
    return pid


def server_cpu(master: int) -> float:
    """CPU seconds used so far by the server's processes (master and workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def host_login(port: int) -> tuple[urllib.request.OpenerDirector, str]:
    """Sign in through the real login form; returns the opener and the CSRF header value."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    html = opener.open(f"{base}/auth/login", timeout=10).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode(
        {"email": HOST_EMAIL, "password": HOST_PASSWORD, "csrf_token": token}
    ).encode()
    opener.open(f"{base}/auth/login", data=form, timeout=10).read()
    html = opener.open(f"{base}/host/", timeout=10).read().decode()
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    return opener, token


def host_post(opener, port: int, path: str, csrf: str) -> int:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=b"{}",
        method="POST",
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    with opener.open(request, timeout=30) as response:
        return response.status


# --- the class --------------------------------------------------------------------------


class Run:
    def __init__(self, n: int, port: int, code: str, key: dict[str, str]):
        self.n, self.port, self.code, self.key = n, port, code, key
        self.statuses: Counter[tuple[str, int]] = Counter()
        self.errors: list[str] = []
        self.submit_ms: list[float] = []
        self.last_answer_at = 0.0
        self.answered = 0
        self.joined = 0
        self.reveal_at = 0.0
        self.follow_s: list[float] = []
        self.open_at = 0.0
        self.open_follow_s: list[float] = []

    def note(self, endpoint: str, status: int) -> None:
        self.statuses[(endpoint, status)] += 1

    async def learner(self, i: int, join_gate: asyncio.Semaphore) -> None:
        http = Http(self.port)
        api = f"/api/v1/sessions/{self.code}"
        try:
            async with join_gate:
                status, _, body = await http.request(
                    "POST", f"{api}/join", {"nickname": f"Learner {i:03d}"}
                )
                self.note("join", status)
                if status != 201:
                    self.errors.append(f"join {i}: {status} {body[:120]!r}")
                    return
                self.joined += 1
                token = json.loads(body)["participant_token"]
                status, _, _ = await http.request("GET", f"/play/{self.code}")
                self.note("play page", status)
            etag, screen, sent = "", "lobby:0:0", False
            while True:
                await asyncio.sleep(POLL + random.random() * JITTER)
                headers = {"If-None-Match": etag} if etag else {}
                status, head, body = await http.request("GET", f"{api}/state", headers=headers)
                self.note("state", status)
                if status == 410:
                    status, _, _ = await http.request("GET", f"/play/{self.code}/panel")
                    self.note("panel", status)
                    return
                if status == 304:
                    continue
                if status != 200:
                    self.errors.append(f"state {i}: {status}")
                    continue
                etag = head.get("etag", "")
                state = json.loads(body)
                if state["screen"] == screen:
                    continue
                screen = state["screen"]
                status, _, _ = await http.request("GET", f"/play/{self.code}/panel")
                self.note("panel", status)
                if state["phase"] == "open" and not sent:
                    self.open_follow_s.append(time.monotonic() - self.open_at)
                    await asyncio.sleep(0.5 + random.random() * 2.5)  # sorting the cards
                    sent = await self.submit(http, i, token)
                elif state["phase"] == "revealed":
                    self.follow_s.append(time.monotonic() - self.reveal_at)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none hidden
            self.errors.append(f"learner {i}: {type(exc).__name__}: {exc}")
        finally:
            await http.close()

    async def submit(self, http: Http, i: int, token: str) -> bool:
        answers = dict(self.key)
        for task in random.sample(list(answers), k=random.randint(0, 4)):
            answers[task] = "aws" if answers[task] == "customer" else "customer"
        body = {
            "participant_token": token,
            "scenario_id": SCENARIO,
            "answer_set": 1,
            "answers": answers,
        }
        started = time.monotonic()
        status, _, reply = await http.request("POST", f"/api/v1/sessions/{self.code}/answers", body)
        done = time.monotonic()
        self.note("answers", status)
        if status != 201:
            self.errors.append(f"answers {i}: {status} {reply[:120]!r}")
            return False
        self.submit_ms.append((done - started) * 1000)
        self.answered += 1
        self.last_answer_at = max(self.last_answer_at, done)
        if json.loads(reply).get("feedback") == "shown":  # play.js re-renders only then
            status, _, _ = await http.request("GET", f"/play/{self.code}/panel")
            self.note("panel", status)
        return True


async def run_class(n: int, port: int, code: str, key: dict[str, str], opener, csrf: str) -> Run:
    run = Run(n, port, code, key)
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(40)  # joins arrive over a few seconds, as a room scanning a QR
    learners = [asyncio.create_task(run.learner(i, gate)) for i in range(n)]
    started = time.monotonic()

    async def wait_for(condition, limit: float) -> bool:
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if condition():
                return True
            await asyncio.sleep(0.05)
        return condition()

    await wait_for(lambda: run.joined + len(run.errors) >= n, 90)
    await asyncio.sleep(1.5)  # everyone polling in the lobby
    run.open_at = time.monotonic()
    await loop.run_in_executor(None, host_post, opener, port, f"/api/v1/sessions/{code}/open", csrf)
    # the host's dashboard, polled while the answers arrive (JSON, every 200 ms)
    dash_seen_all = 0.0
    dash_polls = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        dash = await loop.run_in_executor(
            None,
            lambda: json.loads(
                opener.open(
                    f"http://127.0.0.1:{port}/api/v1/sessions/{code}/dashboard", timeout=30
                ).read()
            ),
        )
        dash_polls += 1
        if dash["answered"] >= run.answered and run.answered + len(run.errors) >= n:
            dash_seen_all = time.monotonic()
            break
        await asyncio.sleep(0.2)
    run.dashboard_lag = dash_seen_all - run.last_answer_at if dash_seen_all else None
    run.dashboard_polls = dash_polls
    run.reveal_at = time.monotonic()
    await loop.run_in_executor(
        None, host_post, opener, port, f"/api/v1/sessions/{code}/reveal", csrf
    )
    await wait_for(lambda: len(run.follow_s) >= run.answered, 15)
    await loop.run_in_executor(None, host_post, opener, port, f"/api/v1/sessions/{code}/end", csrf)
    remaining = RUN_LIMIT - (time.monotonic() - started)
    done, pending = await asyncio.wait(learners, timeout=max(remaining, 5))
    for task in pending:
        task.cancel()
        run.errors.append("learner still running at the time limit")
    return run


def count_in_database(url: str, code: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url)
    with engine.connect() as conn:
        sid = conn.execute(
            text("SELECT id FROM class_sessions WHERE code = :c"), {"c": code}
        ).scalar_one()
        one = lambda sql: conn.execute(text(sql), {"s": sid}).scalar_one()  # noqa: E731
        counts = {
            "participants": one("SELECT count(*) FROM participants WHERE session_id = :s"),
            "answer sets": one(
                "SELECT count(*) FROM attempts a JOIN participants p "
                "ON p.id = a.participant_id WHERE p.session_id = :s"
            ),
            "distinct (participant, scenario)": one(
                "SELECT count(*) FROM (SELECT DISTINCT a.participant_id, a.class_scenario_id "
                "FROM attempts a JOIN participants p ON p.id = a.participant_id "
                "WHERE p.session_id = :s) x"
            ),
            "task verdicts": one(
                "SELECT count(*) FROM attempt_answers aa JOIN attempts a "
                "ON a.id = aa.attempt_id JOIN participants p "
                "ON p.id = a.participant_id WHERE p.session_id = :s"
            ),
        }
    engine.dispose()
    return counts


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def bench(kind: str, n: int, workers: int, threads: int, worker_class: str) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix=f"srm-bench-{kind}-"))
    secret = secrets.token_hex(32)
    url = fresh_postgres() if kind == "postgres" else f"sqlite:///{tmp / 'bench.sqlite3'}"
    proc = None
    try:
        code, key, tasks = prepare(url, tmp, secret)
        port = free_port()
        proc = start_server(
            url, tmp, secret, port, workers, threads, tmp / "server.log", worker_class
        )
        opener, csrf = host_login(port)
        master = gunicorn_master(proc.pid)
        cpu0, wall0, srv0 = time.process_time(), time.monotonic(), server_cpu(master)
        run = asyncio.run(run_class(n, port, code, key, opener, csrf))
        client_cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        srv_cpu = server_cpu(master) - srv0
        counts = count_in_database(url, code)
    finally:
        if proc is not None:
            stop_server(proc)
        if kind == "postgres":
            drop_postgres()
    five = sum(v for (ep, st), v in run.statuses.items() if st >= 500)
    ok = (
        counts["participants"] == n
        and counts["answer sets"] == n
        and counts["distinct (participant, scenario)"] == n
        and counts["task verdicts"] == n * tasks
        and five == 0
        and not run.errors
        and len(run.submit_ms) == n
    )
    shape = f"--threads {threads}" if worker_class == "gthread" else "(gevent)"
    print(f"\n== {kind}: {n} learners, srm-trainer serve --workers {workers} {shape} ==")
    print(
        "responses: " + ", ".join(f"{ep} {st}: {v}" for (ep, st), v in sorted(run.statuses.items()))
    )
    print(f"in the database: {counts} (expected {n} / {n} / {n} / {n * tasks})")
    print(
        f"lost answer sets: {n - counts['answer sets']}, duplicated: "
        f"{counts['answer sets'] - counts['distinct (participant, scenario)']}, "
        f"5xx: {five}, client errors: {len(run.errors)}"
    )
    for line in run.errors[:10]:
        print(f"  error: {line}")
    ms = run.submit_ms
    print(
        f"answer submission latency (ms): p50 {pct(ms, 50):.0f}, p95 {pct(ms, 95):.0f}, "
        f"p99 {pct(ms, 99):.0f}, max {max(ms) if ms else float('nan'):.0f}, "
        f"mean {statistics.fmean(ms) if ms else float('nan'):.0f}"
    )
    lag = run.dashboard_lag
    print(
        f"dashboard showed all answers {lag * 1000:.0f} ms after the last one was stored "
        f"({run.dashboard_polls} dashboard polls)"
        if lag is not None
        else "dashboard never showed all answers"
    )
    for label, values in (("open", run.open_follow_s), ("reveal", run.follow_s)):
        if values:
            print(
                f"learners' screens followed '{label}' in (s): p50 {pct(values, 50):.2f}, "
                f"p95 {pct(values, 95):.2f}, max {max(values):.2f}"
            )
    requests = sum(run.statuses.values())
    print(
        f"class ran {wall:.1f} s, {requests} requests; server CPU {srv_cpu:.1f} s "
        f"({srv_cpu / requests * 1000:.1f} ms a request), load generator CPU "
        f"{client_cpu:.1f} s, machine load average at the end {os.getloadavg()[0]:.2f}"
    )
    follows = [pct(v, 95) for v in (run.open_follow_s, run.follow_s)]
    verdict = (
        ok and pct(ms, 95) < 500 and lag is not None and lag < 2 and all(f < 2 for f in follows)
    )
    print(
        "targets (answer p95 < 500 ms, dashboard < 2 s, screens follow open and reveal "
        "within 2 s at p95, nothing lost): " + ("met" if verdict else "NOT met")
    )
    shutil.rmtree(tmp, ignore_errors=True)
    return verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("postgres", "sqlite", "both"), default="both")
    parser.add_argument("-n", "--learners", type=int, default=300)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", choices=("gevent", "gthread"), default="gevent")
    args = parser.parse_args()
    if not 1 <= args.learners <= MAX_LEARNERS:
        parser.error(f"--learners must be between 1 and {MAX_LEARNERS}")
    kinds = ("postgres", "sqlite") if args.db == "both" else (args.db,)
    results = [
        bench(kind, args.learners, args.workers, args.threads, args.worker_class) for kind in kinds
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
