"""The state poll's fast path: same answers as the Flask view, never stale, any worker."""

from __future__ import annotations

import pytest

from tests.helpers.classroom import API, join
from webapp.classroom.poll import poller

HEADERS_COMPARED = (
    "ETag",
    "Cache-Control",
    "Content-Type",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Set-Cookie",
    "X-Room-Count",
)


class Inner:
    """Stands in for Flask behind the middleware: counts the state polls that reach it."""

    def __init__(self, fast):
        self.real, self.calls = fast.wsgi_app, 0

    def __call__(self, environ, start_response):
        self.calls += environ["PATH_INFO"].endswith("/state")
        return self.real(environ, start_response)


@pytest.fixture
def counted(app):
    fast = poller(app)
    inner = Inner(fast)
    fast.wsgi_app = inner
    yield inner
    fast.wsgi_app = inner.real


def headers_of(response) -> dict:
    return {k: response.headers.get(k) for k in HEADERS_COMPARED}


def test_unchanged_and_built_states_are_answered_without_flask(app, host, counted):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    first = learner.get(f"{API}/{code}/state")
    assert first.status_code == 200
    assert counted.calls == 1
    etag = first.headers["ETag"]
    again = learner.get(f"{API}/{code}/state")
    unchanged = learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
    assert counted.calls == 1  # both answered in front of Flask
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert headers_of(again) == headers_of(first)
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    assert unchanged.headers["ETag"] == etag


def test_fast_answers_carry_the_same_headers_as_the_view(app, host):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    fast = poller(app)
    etag = learner.get(f"{API}/{code}/state").headers["ETag"]
    fast.enabled = False
    slow = learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
    fast.enabled = True
    quick = learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
    assert slow.status_code == quick.status_code == 304
    assert headers_of(quick) == headers_of(slow)


def test_a_change_is_seen_at_the_next_poll(app, host, counted):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    first = learner.get(f"{API}/{code}/state")
    host.act(code, "open")
    after = learner.get(f"{API}/{code}/state", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json()["phase"] == "open"
    assert after.get_json()["version"] == first.get_json()["version"] + 1
    assert after.headers["ETag"] == f'"s{after.get_json()["version"]}"'


def test_a_change_made_by_another_worker_is_seen(app, host, make_app_like):
    """Two apps on one database stand for two worker processes."""
    code = host.create()
    other = make_app_like()
    learner, _ = join(app, code, "Ada")
    etag = learner.get(f"{API}/{code}/state").headers["ETag"]
    elsewhere = other.test_client()
    assert elsewhere.get(f"{API}/{code}/state", headers={"If-None-Match": etag}).status_code == 304
    host.act(code, "open")  # in the first app
    changed = elsewhere.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["phase"] == "open"


def test_unknown_and_ended_sessions_get_the_views_errors(app, host, counted):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    etag = learner.get(f"{API}/{code}/state").headers["ETag"]
    missing = learner.get(f"{API}/ZZZZZZ/state", headers={"If-None-Match": etag})
    assert missing.status_code == 404
    assert "no class session" in missing.get_json()["error"]
    host.act(code, "end")
    ended = learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
    assert ended.status_code == 410
    assert "ended" in ended.get_json()["error"]


def test_the_fast_path_can_be_switched_off(make_app_like, app, host):
    code = host.create()
    plain = make_app_like(SRM_CLASS_FAST_POLL=False)
    fast = poller(plain)
    inner = Inner(fast)
    fast.wsgi_app = inner
    client = plain.test_client()
    etag = client.get(f"{API}/{code}/state").headers["ETag"]
    assert client.get(f"{API}/{code}/state", headers={"If-None-Match": etag}).status_code == 304
    assert inner.calls == 2


def test_joins_keep_the_version_and_polls_stay_304_with_the_room_count(
    app, host, counted, monkeypatch
):
    from webapp.classroom import poll

    monkeypatch.setattr(poll, "ROOM_COUNT_SECONDS", 1e-9)  # recount at every poll
    code = host.create()
    learner, _ = join(app, code, "Ada")
    first = learner.get(f"{API}/{code}/state")
    etag, version = first.headers["ETag"], first.get_json()["version"]
    for n in range(2, 8):
        join(app, code, f"Learner {n}")
        polled = learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
        assert polled.status_code == 304
        assert polled.headers["ETag"] == etag
        assert polled.headers["X-Room-Count"] == str(n)
    assert counted.calls == 1  # only the first poll reached Flask
    again = learner.get(f"{API}/{code}/state").get_json()
    assert again["version"] == version
    host.act(code, "open")  # out of the lobby the count is not sent
    opened = learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
    assert opened.status_code == 200
    assert "X-Room-Count" not in opened.headers


def test_the_room_count_may_lag_by_at_most_its_time_slot(app, host, monkeypatch):
    from webapp.classroom import poll

    monkeypatch.setattr(poll, "ROOM_COUNT_SECONDS", 3600.0)
    code = host.create()
    learner, _ = join(app, code, "Ada")
    etag = learner.get(f"{API}/{code}/state").headers["ETag"]
    assert (
        learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag}).headers["X-Room-Count"]
        == "1"
    )
    join(app, code, "Grace")
    assert (
        learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag}).headers["X-Room-Count"]
        == "1"
    )  # this worker counted in this slot
    monkeypatch.setattr(poll, "ROOM_COUNT_SECONDS", 1e-9)
    assert (
        learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag}).headers["X-Room-Count"]
        == "2"
    )


def test_the_polls_hand_written_sql_matches_the_model(app, host):
    """The middleware's statements name the model's table and columns, and find what the
    ORM finds, on this database's driver."""
    from sqlalchemy import func, select

    from webapp.classroom.poll import statements
    from webapp.extensions import db
    from webapp.models import ClassSession, Participant

    code = host.create()
    join(app, code, "Ada")
    join(app, code, "Grace")
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            mark = "?" if db.engine.dialect.paramstyle in ("qmark", "numeric") else "%s"
            head_sql, count_sql = statements(mark)
            cursor = connection.cursor()
            cursor.execute(head_sql, (code,))
            head = tuple(cursor.fetchone())
            cs = db.session.execute(
                select(ClassSession).where(ClassSession.code == code)
            ).scalar_one()
            cursor.execute(count_sql, (cs.id, False))
            count = cursor.fetchone()[0]
            cursor.close()
        finally:
            connection.close()
        assert head[:3] == (cs.id, cs.phase, cs.state_version)
        assert head[3] is None
        assert (
            count
            == db.session.execute(
                select(func.count())
                .select_from(Participant)
                .where(Participant.session_id == cs.id, Participant.removed.is_(False))
            ).scalar_one()
            == 2
        )
    table = ClassSession.__table__
    for column in ("id", "phase", "state_version", "closes_at", "code"):
        assert column in table.c
        assert column in head_sql
    assert table.name in head_sql
    assert Participant.__table__.name in count_sql


@pytest.fixture
def make_app_like(_migrated, tmp_path_factory):
    """Another app (another 'worker') on the same test database."""
    from tests.conftest import make_app

    made = []

    def build(**config):
        made.append(make_app(_migrated, tmp_path_factory.mktemp("worker"), **config))
        return made[-1]

    yield build
    from webapp.extensions import db

    for other in made:
        with other.app_context():
            db.engine.dispose()
        fast = poller(other)
        if fast is not None:
            fast.dispose()


def test_a_workers_first_poll_runs_the_real_statement(app, host, caplog):
    """The pool starts on the first poll; that poll's query is the one it reads after."""
    code = host.create()
    learner, _ = join(app, code, "Ada")
    assert poller(app).engine is None  # nothing has polled yet
    with caplog.at_level("WARNING", logger="webapp.classroom.poll"):
        assert learner.get(f"{API}/{code}/state").status_code == 200
    assert [r.getMessage() for r in caplog.records] == []
    assert poller(app).sql  # started, and the head query went through it
