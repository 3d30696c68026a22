"""A fuzz corpus for the edge: hypothesis strategies for requests to every JSON endpoint
(found by walking app.url_map) and to the HTML forms, and a world that sends them.

Used by tests/test_edge_fuzz.py (a few hundred requests, in the suite) and by
bench/fuzz_edge.py (as many as you like, with the figures printed).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.author_helpers import THREE_PART, create_scenario, editor_data, signed_in
from tests.conftest import csrf_token_from
from tests.edge_helpers import row_counts

COURSE = "s3-vpc-ec2-oracle"
API = "/api/v1/sessions"

# values that broke things before, or that databases and browsers treat specially
NASTY = [
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfff",
    "\ud83d",
    "\x07",
    "\x1b[2J",
    "\u2028",
    "%00",
    "../../etc/passwd",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "x" * 300,
    "",
    " ",
    "/%09/evil.example",
    "//evil.example",
    "/\\evil",
    "javascript:alert(1)",
    "é",
    "🙂",
    "\r\nSet-Cookie: a=b",
    "null",
    "0",
    "-1",
    "9" * 30,
    "aws",
    "customer",
    COURSE,
]
UNSTORABLE = ["\x00", "a\x00b", "\ud800", "x\udfff", "\x07", "\x1b", "\x7f"]
CHARS = st.characters(codec=None, categories=["Cc", "Cs", "Lu", "Ll", "Nd", "Po", "Zs", "So"])
bad = st.sampled_from(UNSTORABLE)
text = st.one_of(bad, st.sampled_from(NASTY), st.text(CHARS, max_size=12))


def spoiled(real: str) -> st.SearchStrategy[str]:
    """A real value, the same with an unstorable character put in, or any text."""
    inserted = st.builds(lambda b, at: real[:at] + b + real[at:], bad, st.integers(0, len(real)))
    return st.one_of(st.just(real), inserted, text)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)
API_FIELDS = [
    "scenarios",
    "feedback",
    "answer_sets",
    "show",
    "nickname",
    "participant_token",
    "scenario_id",
    "answers",
    "answer_set",
    "variant",
    "task_order",
]
RAW_BODIES = [
    b"[" * 1000 + b"]" * 1000,
    b"{" * 5000,
    b'{"a":' * 40 + b"1" + b"}" * 40,
    b"\xff\xfe\x00",
    b'{"answers": ',
    b"[]",
    b"null",
    b'"x"',
    b'{"answers": {"a": "\\ud800"}}',
    b'{"nickname": "\\u0000"}',
    b'{"scenarios": ["' + b"x" * 70_000 + b'"]}',
]
HOST_ENDPOINTS = {
    "classroom_api.create",
    "classroom_api.host_action",
    "classroom_api.leaderboard",
    "classroom_api.remove",
    "classroom_api.dashboard",
    "classroom_api.report",
}
ROUTE_ARG = re.compile(r"<(?:[^>]*:)?(\w+)>")


def q(value: str) -> str:
    """Percent-encode text as a client would; a lone surrogate goes out as its raw bytes."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{q(k)}={q(v)}" for k, v in pairs).encode("ascii")


@dataclass
class Request:
    """One request to send: which client, method, URL and body."""

    client: str
    method: str
    url: str
    body: bytes | None = None
    content_type: str | None = None
    files: dict | None = None


@dataclass
class Figures:
    sent: int = 0
    server_errors: int = 0
    rejected: int = 0
    rows_stored_by_rejected: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"fuzz: {self.sent} requests, {self.server_errors} answered 5xx, "
            f"{self.rejected} rejected (4xx), {self.rows_stored_by_rejected} rows stored by "
            "rejected requests"
        )


class World:
    """An app with something to aim at: an instructor (host) with a session open for
    answers, a learner who joined it, an attempt, and an authored draft."""

    def __init__(self, app):
        from tests.helpers.classroom import Host, join

        self.app = app
        self.host = Host(app, "fuzz-host@example.org")
        self.code = self.host.create()
        self.host.act(self.code, "open")
        self.learner, self.token = join(app, self.code, "Ada")
        graded = app.test_client().post(f"/api/v1/scenarios/{COURSE}/grade", json={"answers": {}})
        self.attempt_id = graded.get_json()["attempt_id"]
        self.author, auth = signed_in(app, "fuzz-author@example.org")
        self.slug = create_scenario(self.author, auth, slug="fuzz-shop")
        self.anonymous = app.test_client()
        self.clients = {
            "anonymous": self.anonymous,
            "learner": self.learner,
            "host": self.host.client,
            "author": self.author,
        }
        self.csrf = {name: csrf_token_from(c, "/auth/login") for name, c in self.clients.items()}
        with app.test_request_context():
            self.api_rules = sorted(
                (r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")),
                key=lambda r: r.rule,
            )
        self.figures = Figures()

    def real(self, arg: str):
        return {
            "code": self.code,
            "scenario_id": COURSE,
            "attempt_id": self.attempt_id,
            "participant_id": "1",
            "action": "close",
        }.get(arg, "x")

    def send(self, req: Request) -> int:
        """Send it; count it; return the status. Records a failure for a 5xx or for a
        rejected request that stored rows."""
        client = self.clients[req.client]
        headers = {"X-CSRFToken": self.csrf[req.client]} if req.client == "host" else {}
        before = row_counts(self.app)
        kwargs = (
            {"data": req.files}
            if req.files is not None
            else {"data": req.body, "content_type": req.content_type}
        )
        response = client.open(req.url, method=req.method, headers=headers, **kwargs)
        status = response.status_code
        self.figures.sent += 1
        if status >= 500:
            self.figures.server_errors += 1
            self.figures.failures.append(f"{status} {req.method} {req.url!r}")
        elif status >= 400:
            self.figures.rejected += 1
            after = row_counts(self.app)
            stored = sum(after.values()) - sum(before.values())
            if after != before:
                self.figures.rows_stored_by_rejected += max(stored, 1)
                self.figures.failures.append(f"{status} stored rows: {req.method} {req.url!r}")
        return status


# --- strategies ----------------------------------------------------------------------------


@st.composite
def query_strings(
    draw, names=("variant", "area", "service", "format", "table", "next", "code", "again")
) -> str:
    pairs = draw(st.lists(st.tuples(st.one_of(st.sampled_from(names), text), text), max_size=3))
    return "?" + urlencoded(pairs).decode() if pairs else ""


@st.composite
def json_bodies(draw) -> tuple[bytes, str]:
    import json

    kind = draw(st.sampled_from(["fields", "fields", "any", "raw", "other-type"]))
    if kind == "raw":
        return draw(st.sampled_from(RAW_BODIES)), "application/json"
    if kind == "fields":
        body = draw(
            st.dictionaries(
                st.one_of(st.sampled_from(API_FIELDS), text),
                st.one_of(bad, json_values),
                max_size=5,
            )
        )
    else:
        body = draw(json_values)
    raw = json.dumps(body).encode()  # ensure_ascii: surrogates travel as \\ud800 escapes
    content_type = (
        "application/json"
        if kind != "other-type"
        else draw(
            st.sampled_from(
                [
                    "text/plain",
                    "application/x-www-form-urlencoded",
                    "application/json; charset=latin-1",
                ]
            )
        )
    )
    return raw, content_type


@st.composite
def api_requests(draw, world: World) -> Request:
    rule = draw(st.sampled_from(world.api_rules))
    method = draw(st.sampled_from(sorted(rule.methods - {"HEAD", "OPTIONS"})))

    def segment(match: re.Match) -> str:
        arg = match.group(1)
        real = world.real(arg)
        if arg == "action":
            return draw(st.sampled_from(["open", "close", "reveal", "next", "end"]))
        return q(draw(spoiled(real)))

    url = ROUTE_ARG.sub(segment, rule.rule) + draw(query_strings())
    hosts = rule.endpoint in HOST_ENDPOINTS
    preferred = "host" if hosts else "learner" if "<code>" in rule.rule else "anonymous"
    client = draw(st.one_of(st.just(preferred), st.sampled_from(["anonymous", "learner", "host"])))
    if method == "GET":
        return Request(client, method, url)
    body, content_type = draw(json_bodies())
    return Request(client, method, url, body, content_type)


def _form(draw, client: str, world: World, fields: dict) -> bytes:
    """Form fields, some swapped for nasty text, plus a nasty extra field now and then."""
    pairs = [("csrf_token", world.csrf[client])]
    for name, value in fields.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            pairs.append((name, draw(spoiled(v))))
    if draw(st.booleans()):
        pairs.append((draw(text), draw(text)))
    return urlencoded(pairs)


FORM = "application/x-www-form-urlencoded"


@st.composite
def form_requests(draw, world: World) -> Request:
    form = draw(st.sampled_from(["login", "join", "host", "editor", "import", "board", "play"]))
    if form == "login":
        body = _form(
            draw,
            "anonymous",
            world,
            {"email": "nobody@example.org", "password": "wrong password here"},
        )
        return Request(
            "anonymous", "POST", "/auth/login" + draw(query_strings(("next",))), body, FORM
        )
    if form == "join":
        body = _form(draw, "anonymous", world, {"code": world.code, "nickname": "Bea"})
        return Request("anonymous", "POST", "/join" + draw(query_strings(("code",))), body, FORM)
    if form == "host":
        body = _form(
            draw,
            "host",
            world,
            {
                "scenario": [COURSE],
                "feedback": "after-reveal",
                "answer_sets": "1",
                f"variant-{COURSE}": "",
            },
        )
        return Request("host", "POST", "/host/", body, FORM)
    if form == "editor":
        fields = editor_data(THREE_PART, world.csrf["author"])
        fields.pop("csrf_token")
        action = draw(
            st.sampled_from(
                [f"/author/scenarios/{world.slug}", f"/author/scenarios/{world.slug}/check"]
            )
        )
        return Request("author", "POST", action, _form(draw, "author", world, fields), FORM)
    if form == "import":
        value = draw(text)
        where = draw(st.sampled_from(["id", "title", "parties", "key"]))
        doc = {"id": "fuzz-import", "title": "T", "summary": "S", "parties": "[aws, customer]"}
        yaml_text = (
            "\n".join(
                f"{value if where == 'key' and k == 'summary' else k}: {value if k == where else v}"
                for k, v in doc.items()
            )
            + "\n"
        )
        data = yaml_text.encode("utf-8", "surrogatepass")
        name = draw(st.one_of(st.just("fuzz.yaml"), text)).encode("utf-8", "replace").decode()
        files = {"csrf_token": world.csrf["author"], "files": [(io.BytesIO(data), name)]}
        return Request("author", "POST", "/author/import", files=files)
    if form == "board":
        body = _form(
            draw,
            "anonymous",
            world,
            {"variant": "oracle-on-rds", "task_order": "", "answer-patch-oracle": "aws"},
        )
        return Request("anonymous", "POST", f"/scenarios/{COURSE}", body, FORM)
    body = _form(
        draw,
        "learner",
        world,
        {"scenario_id": COURSE, "answer-patch-oracle": "aws", "answer_set": "1"},
    )
    return Request("learner", "POST", f"/play/{world.code}", body, FORM)


def fuzz(world: World, corpus, examples: int, seed: int | None = None) -> Figures:
    """Send `examples` requests drawn from `corpus` (api_requests or form_requests), the
    same ones every run unless a seed is given; the figures of this run. Raises at the first
    5xx (hypothesis then shrinks it to a small example)."""
    world.figures = Figures()

    @settings(
        max_examples=examples,
        derandomize=seed is None,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data):
        status = world.send(data.draw(corpus(world)))
        assert status < 500, world.figures.failures[-1]

    if seed is not None:
        from hypothesis import seed as fixed_seed

        run = fixed_seed(seed)(run)
    run()
    return world.figures
