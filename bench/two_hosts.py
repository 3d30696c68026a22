"""One class over two app servers behind nginx, one of them killed with SIGKILL mid-class.

The deployment of deploy/nginx.conf, on loopback: two `srm-trainer serve` instances on
their own ports and instance folders, sharing one fresh PostgreSQL database, one secret key
and one Redis rate-limit store (database 4), with SRM_PROXIES=1; nginx in front, started
from the shipped file with loopback ports and temporary paths substituted, as a foreground
child. The class is bench/load_classroom.py's simulation (join, poll, answer, reveal),
through nginx; each learner sends its answer set as static/js/play.js does: on a network
error or a 502/503/504 it sends the same numbered set again, and a 409 "already answered"
after a resend counts as stored. When about half the answers are in, the first app
server's process group gets SIGKILL.

Afterwards the answer sets the learners saw acknowledged are compared with the rows in
the database: lost (acknowledged, not stored) and duplicated (stored more than once).

Only 127.0.0.1 traffic; the number of learners and the run time are bounded.

    python bench/two_hosts.py             # 1,000 learners
    python bench/two_hosts.py -n 300
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_classroom as lc  # noqa: E402 - the class simulation this script reuses

ROOT = Path(__file__).resolve().parent.parent
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
PG_DB = "srm_two_hosts"
REDIS_URI = "redis://127.0.0.1:6379/4"
RESEND_STATUSES = {502, 503, 504}
TRIES = 4  # as static/js/play.js


# --- nginx from the shipped file --------------------------------------------------------


def nginx_config(text: str, listen_port: int, upstream_ports: list[int], folder: Path) -> str:
    """The shipped configuration for loopback: ports, no TLS, paths under `folder`."""

    def directive(conf: str, name: str, value: str) -> str:
        pattern = rf"^(\s*){name}\s+[^;]*;"
        if not re.search(pattern, conf, re.M):
            raise ValueError(f"deploy/nginx.conf has no '{name}' directive")
        return re.sub(pattern, rf"\g<1>{name} {value};", conf, count=1, flags=re.M)

    conf = re.sub(r"\n\s*# BEGIN HTTP REDIRECT.*?# END HTTP REDIRECT\n", "\n", text, flags=re.S)
    conf, tls = re.subn(
        r"# BEGIN TLS.*?# END TLS",
        f"listen 127.0.0.1:{listen_port};\n        server_name 127.0.0.1;",
        conf,
        flags=re.S,
    )
    servers = re.findall(r"^\s*server app-\d+\.internal:\d+", conf, re.M)
    if tls != 1 or len(servers) != len(upstream_ports):
        raise ValueError("deploy/nginx.conf: expected one TLS block and one server per app")
    for port, line in zip(upstream_ports, servers, strict=True):
        conf = conf.replace(line, re.sub(r"app-\d+\.internal:\d+", f"127.0.0.1:{port}", line), 1)
    conf = directive(conf, "pid", str(folder / "nginx.pid"))
    conf = directive(conf, "error_log", f"{folder / 'error.log'} warn")
    conf = directive(conf, "access_log", str(folder / "access.log"))
    conf = directive(conf, "client_body_temp_path", str(folder / "body"))
    conf = directive(conf, "proxy_temp_path", str(folder / "proxy"))
    conf = directive(conf, "worker_processes", "1")
    others = "".join(
        f"    {kind}_temp_path {folder / kind};\n" for kind in ("fastcgi", "uwsgi", "scgi")
    )
    return conf.replace("http {\n", "http {\n" + others, 1)


def start_nginx(listen_port: int, upstream_ports: list[int], folder: Path) -> subprocess.Popen:
    """nginx in the foreground with its own prefix, pid and logs under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)  # nginx's workers run as an unprivileged user when started as root
    conf = folder / "nginx.conf"
    conf.write_text(nginx_config(NGINX_CONF.read_text(), listen_port, upstream_ports, folder))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    with (folder / "stderr.log").open("wb") as stderr:
        proc = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,
        )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("nginx exited: " + (folder / "stderr.log").read_text()[-500:])
        try:
            socket.create_connection(("127.0.0.1", listen_port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise RuntimeError("nginx did not start")


stop = lc.stop_server


# --- the class, with play.js's resend -----------------------------------------------------


class ResendingRun(lc.Run):
    """load_classroom's class, where a learner resends a lost answer set like play.js."""

    current: ResendingRun | None = None

    def __init__(self, *args):
        super().__init__(*args)
        self.resends = 0
        self.acknowledged: set[int] = set()
        self.stored_on_resend = 0
        ResendingRun.current = self

    async def submit(self, http: lc.Http, i: int, token: str) -> bool:
        answers = dict(self.key)
        for task in random.sample(list(answers), k=random.randint(0, 4)):
            answers[task] = "aws" if answers[task] == "customer" else "customer"
        body = {
            "participant_token": token,
            "scenario_id": lc.SCENARIO,
            "answer_set": 1,
            "answers": answers,
        }
        started = time.monotonic()
        status, reply = None, b""
        for attempt in range(TRIES):
            if attempt:
                self.resends += 1
            try:
                status, _, reply = await http.request(
                    "POST", f"/api/v1/sessions/{self.code}/answers", body
                )
            except (OSError, asyncio.IncompleteReadError, lc.EmptyReply, TimeoutError):
                status = None
                await http.close()
            if status is not None and status not in RESEND_STATUSES:
                break
            await asyncio.sleep(0.5 * 2**attempt)
        self.note("answers", status or 0)
        again = status == 409 and attempt > 0 and b"already-answered" in reply
        if status != 201 and not again:
            self.errors.append(f"answers {i}: {status} {reply[:120]!r}")
            return False
        self.stored_on_resend += again
        done = time.monotonic()
        self.submit_ms.append((done - started) * 1000)
        self.answered += 1
        self.acknowledged.add(i)
        self.last_answer_at = max(self.last_answer_at, done)
        if status == 201 and json.loads(reply).get("feedback") == "shown":
            status, _, _ = await http.request("GET", f"/play/{self.code}/panel")
            self.note("panel", status)
        return True


async def kill_when_half_answered(n: int, victim: subprocess.Popen, log: list[str]) -> None:
    while ResendingRun.current is None or ResendingRun.current.answered < n // 2:
        await asyncio.sleep(0.02)
    os.killpg(victim.pid, signal.SIGKILL)
    log.append(f"app server 1 killed with SIGKILL after {ResendingRun.current.answered} answers")
    print(log[-1], flush=True)


async def the_class(n, port, code, key, opener, csrf, victim, log):
    killer = asyncio.create_task(kill_when_half_answered(n, victim, log))
    try:
        return await lc.run_class(n, port, code, key, opener, csrf)
    finally:
        killer.cancel()


def stored_per_learner(url: str, code: str) -> dict[int, int]:
    """Answer sets in the database per learner number (from the nickname 'Learner 007')."""
    from sqlalchemy import create_engine, text

    engine = create_engine("postgresql+psycopg://" + url[len("postgresql://") :])
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.nickname, count(a.id) FROM participants p "
                "JOIN class_sessions s ON s.id = p.session_id "
                "LEFT JOIN attempts a ON a.participant_id = p.id "
                "WHERE s.code = :c GROUP BY p.nickname"
            ),
            {"c": code},
        ).all()
    engine.dispose()
    return {int(nick.split()[-1]): count for nick, count in rows}


def run(n: int, workers: int, redis_uri: str = REDIS_URI, pg_db: str = PG_DB) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix="srm-two-hosts-"))
    secret = secrets.token_hex(32)
    url = lc.fresh_postgres(pg_db)
    lc.Run = ResendingRun  # run_class builds the class from this name
    servers: list[subprocess.Popen] = []
    nginx = None
    log: list[str] = []
    try:
        code, key, tasks = lc.prepare(url, tmp / "setup", secret)
        ports = [lc.free_port(), lc.free_port()]
        os.environ.update({"SRM_PROXIES": "1", "SRM_RATELIMIT_STORAGE_URI": redis_uri})
        for i, port in enumerate(ports, 1):
            instance = tmp / f"app-{i}"
            instance.mkdir()
            os.environ["XDG_RUNTIME_DIR"] = str(instance)  # gunicorn's control socket
            servers.append(
                lc.start_server(url, instance, secret, port, workers, 4, instance / "server.log")
            )
        front = lc.free_port()
        nginx = start_nginx(front, ports, tmp / "nginx")
        opener, csrf = lc.host_login(front)
        started = time.monotonic()
        result = asyncio.run(the_class(n, front, code, key, opener, csrf, servers[0], log))
        wall = time.monotonic() - started
        stored = stored_per_learner(url, code)
    finally:
        if nginx is not None:
            stop(nginx)
        for proc in servers:
            stop(proc)
        lc.drop_postgres(pg_db)
    lost = sorted(i for i in result.acknowledged if stored.get(i, 0) == 0)
    duplicated = sum(max(0, c - 1) for c in stored.values())
    unacknowledged = sum(1 for i, c in stored.items() if c and i not in result.acknowledged)
    five = sum(v for (ep, st), v in result.statuses.items() if st >= 500 or st == 0)
    print(f"\n== {n} learners over two app servers behind nginx (deploy/nginx.conf), PostgreSQL ==")
    for line in log:
        print(line)
    print(
        "responses: "
        + ", ".join(f"{ep} {st}: {v}" for (ep, st), v in sorted(result.statuses.items()))
    )
    print(
        f"answer sets acknowledged: {len(result.acknowledged)} of {n}; in the database: "
        f"{sum(stored.values())} for {sum(1 for c in stored.values() if c)} learners"
    )
    print(
        f"lost: {len(lost)}, duplicated: {duplicated}, stored but not acknowledged: "
        f"{unacknowledged}"
    )
    print(
        f"learners' pages resent {result.resends} time(s); {result.stored_on_resend} resent "
        f"set(s) were already stored (409) and counted as sent"
    )
    print(f"5xx or failed responses that reached the learners: {five}")
    print(f"client errors: {len(result.errors)}")
    for line in result.errors[:10]:
        print(f"  {line}")
    ms = result.submit_ms
    if ms:
        print(
            f"answer acknowledged after (ms): p50 {lc.pct(ms, 50):.0f}, p95 {lc.pct(ms, 95):.0f}, "
            f"max {max(ms):.0f}"
        )
    print(f"class ran {wall:.1f} s; load average {os.getloadavg()[0]:.2f}")
    ok = not lost and not duplicated and len(result.acknowledged) == n and bool(log)
    print(
        "nothing lost, nothing duplicated, every learner's set acknowledged: "
        + ("yes" if ok else "NO")
    )
    shutil.rmtree(tmp, ignore_errors=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--learners", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="workers per app server")
    parser.add_argument("--redis-uri", default=REDIS_URI, help="the shared rate-limit store")
    parser.add_argument("--pg-db", default=PG_DB, help="scratch PostgreSQL database (dropped)")
    args = parser.parse_args()
    if not 2 <= args.learners <= lc.MAX_LEARNERS:
        parser.error(f"--learners must be between 2 and {lc.MAX_LEARNERS}")
    if shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists():
        parser.error("nginx is not installed (Debian: apt-get install nginx-light)")
    return 0 if run(args.learners, args.workers, args.redis_uri, args.pg_db) else 1


if __name__ == "__main__":
    sys.exit(main())
