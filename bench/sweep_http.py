"""Sweep every route of a running `srm-trainer serve` from the outside, and print what broke.

Run: python bench/sweep_http.py [--database-url URL] [--port 8765]
Starts `srm-trainer serve` on a fresh instance folder (SQLite there, or the given database,
whose public schema is dropped first: point it at a scratch database), signs in an admin and
an instructor, lets a learner join a class and deal a practice round, then sends every
route of app.url_map, as anonymous, learner, instructor and admin, every method, with real
and bad ids and odd bodies (form fields missing, doubled, huge, with NUL or lone surrogates,
JSON of the wrong type, a foreign CSRF token), and a few identical requests at once.
Reports: answers 5xx; refused requests (4xx) that stored rows (every table but the rate
limits, counted before and after each one); JSON errors without `message` and `details`;
/api/ answers that are not JSON. It asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
COURSE = "s3-vpc-ec2-oracle"
PASSWORD = "a long enough password"
ARG = re.compile(r"<(?:([^>:(]*)(?:\([^)]*\))?:)?(\w+)>")
BAD_ARGS = ["0", "9" * 25, "\x00", "é🙂\ud800"]
NASTY = ["\x00", "\ud800", "x" * 70_000, "", " ", "é🙂\u2028", "<script>", "//evil.example"]
FIELDS = [
    "title", "slug", "email", "password", "password2", "code", "nickname", "answers",
    "variant", "task_order", "role", "scenarios", "action", "next", "size", "provider",
    "model", "mode", "file", "round_id", "answer_set", "show", "seconds", "feedback",
]  # fmt: skip
JSON_BODIES: list = [
    [],
    None,
    "x",
    5,
    {},
    {"answers": []},
    {"answers": None},
    {"answers": {"x": None, "y": 5, "z": ["aws"]}},
    {"answers": {"\ud800": "aws"}},
    {"size": "10", "provider": "aws"},
    {"size": -1},
    {"size": 10**30},
    {"size": 1e308},
    {"size": True},
    {"provider": [], "model": {}},
    {"nickname": "é🙂" * 200},
    {"nickname": None},
    {"scenarios": {}},
    {"scenarios": [None, 5, COURSE]},
    {"answer_set": "1", "answers": {}, "participant_token": 5, "scenario_id": []},
    {"answer_set": 1e308},
    {"variant": ["a"], "task_order": {"a": 1}},
    {"seconds": "30"},
    {"show": "yes"},
    {f: [None] for f in FIELDS},
]
SKIP_TABLES = {"rate_limits", "alembic_version"}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ARG002 - keep the 3xx as it is
        return None


def q(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{q(k)}={q(v)}" for k, v in pairs).encode("ascii")


class Client:
    """A browser: its own cookies, no redirects followed."""

    def __init__(self, base: str, name: str):
        self.base = base
        self.name = name
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )
        self.csrf = ""

    def send(self, method, path, body=None, ctype=None, headers=None):
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if ctype:
            req.add_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except (http.client.HTTPException, OSError) as e:
            return 599, {}, str(e).encode()

    def token(self, path="/auth/login"):
        _, _, page = self.send("GET", path)
        m = re.search(rb'name="csrf-token" content="([^"]+)"', page) or re.search(
            rb'name="csrf_token"[^>]*value="([^"]+)"', page
        )
        self.csrf = m.group(1).decode() if m else ""
        return self.csrf

    def login(self, email):
        self.jar.clear()
        token = self.token()
        status, _, _ = self.send(
            "POST",
            "/auth/login",
            form_body([("csrf_token", token), ("email", email), ("password", PASSWORD)]),
            "application/x-www-form-urlencoded",
        )
        self.token("/")
        return status

    def json(self, method, path, data):
        return self.send(
            method,
            path,
            json.dumps(data).encode(),
            "application/json",
            {"X-CSRFToken": self.csrf},
        )


class Sweep:
    def __init__(self, url: str, database_url: str, app):
        self.url = url
        self.engine = create_engine(database_url)
        self.app = app
        self.tables = [t.name for t in app.extensions["sqlalchemy"].metadata.sorted_tables]
        self.findings: list[str] = []
        self.kinds: set[str] = set()
        self.sent = 0
        self.refused = 0

    def note(self, finding: str) -> None:
        """Keep a finding; print the first of each kind at once."""
        key = re.sub(r"'[^']*'|\(.*?\)", "", finding)[:70]
        if key not in self.kinds:
            self.kinds.add(key)
            print("  ", finding[:400], flush=True)
        self.findings.append(finding)

    def counts(self) -> dict[str, int]:
        sql = "SELECT " + ", ".join(
            f"(SELECT count(*) FROM {t}) AS {t}" for t in self.tables if t not in SKIP_TABLES
        )
        with self.engine.connect() as c:
            return dict(c.execute(text(sql)).mappings().one())

    def check(self, client: Client, method, path, body=None, ctype=None, csrf=True, note=""):
        before = self.counts()
        headers = {"X-CSRFToken": client.csrf} if csrf and client.csrf else {}
        status, hdrs, data = client.send(method, path, body, ctype, headers)
        self.sent += 1
        what = f"{client.name} {method} {path[:90]!r} {note}"
        if status >= 500:
            self.note(f"{status}: {what} -> {data[:160]!r}")
        if status >= 400:
            self.refused += 1
            after = self.counts()
            grown = {k: after[k] - before[k] for k in after if after[k] != before[k]}
            if grown:
                self.note(f"stored {grown} on {status}: {what}")
            ctype_out = hdrs.get("Content-Type", "") if hdrs else ""
            if path.startswith("/api/") and "json" not in ctype_out and status != 599:
                self.note(f"not JSON ({ctype_out}) on {status}: {what}")
            if "json" in ctype_out:
                try:
                    parsed = json.loads(data)
                except ValueError:
                    parsed = None
                if not (isinstance(parsed, dict) and "message" in parsed and "details" in parsed):
                    self.note(f"JSON error without message/details: {what}: {data[:120]!r}")
        return status, data


def serve(env, port, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:  # a pipe nobody reads would fill and stop the server
        proc = subprocess.Popen(
            ["srm-trainer", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(log.read_text(errors="replace"))


def cli(env, *args, stdin=""):
    subprocess.run(
        ["srm-trainer", *args], env=env, input=stdin.encode(), check=True, capture_output=True
    )


def fill(rule: str, values: dict[str, str]) -> str:
    return ARG.sub(lambda m: q(values.get(m.group(2), "x")), rule)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="srm-sweep-"))
    url = args.database_url or f"sqlite:///{folder / 'srm-trainer.sqlite3'}"
    if url.startswith("postgresql"):
        with create_engine(url).begin() as c:
            c.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    env = os.environ | {
        "SRM_INSTANCE_PATH": str(folder),
        "SRM_DATABASE_URL": url,
        "SRM_RATELIMIT_ENABLED": "false",
        "SRM_LOGIN_LIMIT_ADDRESS": "100000 per minute",
    }
    log = Path(tempfile.mkdtemp(prefix="srm-sweep-log-")) / "serve.log"
    proc = serve(env, args.port, log)
    try:
        run(env, url, args.port)
    finally:
        proc.terminate()
        proc.wait(10)
        errors = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if "Traceback" in line or "ERROR" in line
        ]
        print(f"server log {log}: {len(errors)} error lines")
        shutil.rmtree(folder, ignore_errors=True)


def world(base: str):
    admin, teacher = Client(base, "admin"), Client(base, "instructor")
    learner, anonymous = Client(base, "learner"), Client(base, "anonymous")
    admin.login("admin@example.org")
    teacher.login("teacher@example.org")
    _, _, body = teacher.json("POST", "/api/v1/sessions", {"scenarios": [COURSE]})
    code = json.loads(body)["code"]
    teacher.json("POST", f"/api/v1/sessions/{code}/open", {})
    learner.token("/")
    _, _, body = learner.json("POST", f"/api/v1/sessions/{code}/join", {"nickname": "Ada"})
    joined = json.loads(body)
    _, _, body = learner.json("POST", f"/api/v1/scenarios/{COURSE}/grade", {"answers": {}})
    attempt = json.loads(body)["attempt_id"]
    _, _, body = learner.json("POST", "/api/v1/practice/rounds", {"size": 5})
    round_id = json.loads(body)["round_id"]
    anonymous.token("/")
    teacher.token("/author/")
    teacher.send(
        "POST", "/author/new",
        form_body([("csrf_token", teacher.csrf), ("title", "Shop"), ("slug", "shop")]),
        "application/x-www-form-urlencoded",
    )  # fmt: skip
    teacher.token("/host/")
    values = {
        "code": code,
        "scenario_id": COURSE,
        "attempt_id": attempt,
        "participant_id": str(joined.get("participant_id", 1)),
        "action": "close",
        "slug": "shop",
        "round_id": round_id,
        "comparison_id": "x",
        "variant": "x",
        "token": "x" * 40,
        "user_id": "3",
        "filename": "css/app.css",
    }
    return [anonymous, learner, teacher, admin], values


def run(env, url, port) -> None:
    sys.path.insert(0, str(ROOT))
    from webapp import create_app

    for email, role in (("admin", "admin"), ("teacher", "instructor"), ("spare", "instructor")):
        create = ("users", "create", f"{email}@example.org", "--role", role, "--password-stdin")
        cli(env, *create, stdin=PASSWORD + "\n")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": env["SRM_INSTANCE_PATH"]})
    base = f"http://127.0.0.1:{port}"
    clients, values = world(base)
    sweep = Sweep(url, url, app)
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    started = time.perf_counter()
    for rule in rules:
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        real = fill(rule.rule, values)
        bad = (
            [fill(rule.rule, dict.fromkeys(rule.arguments, b)) for b in BAD_ARGS]
            if rule.arguments
            else []
        )
        print(rule.rule, sweep.sent, flush=True)
        for method in ("PUT", "DELETE", "PATCH", *(m for m in ("GET", "POST") if m not in methods)):
            sweep.check(clients[1], method, real, note="(wrong method)")
        for client in clients:
            if "GET" in methods:
                for query in (
                    "",
                    "?" + form_body([(f, v) for f in FIELDS[:12] for v in NASTY[:2]]).decode(),
                    "?variant=%00&page=-1&next=//evil&model=x&provider=%FF",
                ):
                    sweep.check(client, "GET", real + query)
                for path in bad:
                    sweep.check(client, "GET", path)
            if "POST" in methods:
                post(sweep, client, real, bad)
            if rule.rule.startswith(("/auth/", "/admin/")) and client.name in (
                "admin",
                "instructor",
            ):
                client.login(f"{'admin' if client.name == 'admin' else 'teacher'}@example.org")
                client.token("/host/")
    concurrent(sweep, clients, values)
    took = time.perf_counter() - started
    print(
        f"{url.split(':')[0]}: {sweep.sent} requests in {took:.0f} s, {sweep.refused} refused; "
        f"{len(sweep.findings)} findings of {len(sweep.kinds)} kinds"
    )


def post(sweep: Sweep, client: Client, real: str, bad: list[str]) -> None:
    form = "application/x-www-form-urlencoded"
    token = client.csrf
    bodies = [
        (b"", form, "(empty form)"),
        (form_body([("csrf_token", token)]), form, "(token only)"),
        (
            form_body([("csrf_token", token)] + [(f, v) for f in FIELDS for v in ("\x00", "é")]),
            form,
            "(doubled NUL fields)",
        ),
        (
            form_body([("csrf_token", token)] + [(f, "x" * 70_000) for f in FIELDS[:6]]),
            form,
            "(huge fields)",
        ),
        (
            form_body(
                [
                    ("csrf_token", token),
                    ("answers", "\ud800"),
                    ("task-x", "aws"),
                    ("tasks-0-text", "\ud800"),
                ]
            ),
            form,
            "(surrogates)",
        ),
        (
            form_body([("csrf_token", "IjEyMyI.ZZZ.expired"), ("title", "x")]),
            form,
            "(foreign token)",
        ),
        (
            form_body([("csrf_token", token), ("csrf_token", "other"), ("code", "ABCD")]),
            form,
            "(two tokens)",
        ),
        (b"\xff\xfe\x00", form, "(bytes)"),
        (b"[" * 2000, "application/json", "(deep JSON)"),
        (b'{"answers": ', "application/json", "(cut JSON)"),
        (b"{}", "text/plain", "(JSON as text)"),
    ]
    bodies += [
        (
            json.dumps(b).encode("utf-8", "surrogatepass"),
            "application/json",
            f"(json {str(b)[:40]})",
        )
        for b in JSON_BODIES
    ]
    for body, ctype, note in bodies:
        sweep.check(client, "POST", real, body, ctype, note=note)
    sweep.check(
        client, "POST", real, b"{}", "application/json", csrf=False, note="(no csrf header)"
    )
    for path in bad:
        sweep.check(client, "POST", path, form_body([("csrf_token", token)]), form)


def concurrent(sweep: Sweep, clients: list[Client], values: dict) -> None:
    """The same request sent eight times at once: no 5xx, and what must be stored once is."""
    anonymous, learner, teacher, admin = clients
    _, _, body = learner.json("POST", "/api/v1/practice/rounds", {"size": 3})
    round_ = json.loads(body)
    answers = {"answers": {c["id"]: "aws" for c in round_["cards"]}}
    cases = [
        (learner, f"/api/v1/practice/rounds/{round_['round_id']}/answers", answers),
        (anonymous, f"/api/v1/sessions/{values['code']}/join", {"nickname": "Twin"}),
        (teacher, "/api/v1/sessions", {"scenarios": [COURSE]}),
        (learner, f"/api/v1/scenarios/{COURSE}/grade", {"answers": {}}),
    ]
    for client, path, data in cases:
        before = sweep.counts()
        with ThreadPoolExecutor(8) as pool:
            calls = [pool.submit(client.json, "POST", path, data) for _ in range(8)]
            results = [call.result() for call in calls]
        statuses = sorted(r[0] for r in results)
        after = sweep.counts()
        grown = {k: after[k] - before[k] for k in after if after[k] != before[k]}
        sweep.sent += 8
        print(f"   8 at once: {client.name} POST {path}: {statuses} stored {grown}")
        if any(s >= 500 for s in statuses):
            sweep.findings.append(f"5xx in concurrent {path}: {statuses}")
        for status, _headers, data_out in results:
            if status >= 400 and b'"message"' not in data_out:
                sweep.findings.append(
                    f"concurrent {path} {status} without message: {data_out[:120]!r}"
                )


if __name__ == "__main__":
    main()
