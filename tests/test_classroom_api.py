"""Class sessions through the JSON API: every endpoint, every error, nothing stored on error."""

from __future__ import annotations

import json

import pytest

from tests.conftest import count_rows
from tests.helpers.classroom import (
    API,
    COURSE,
    SECOND,
    Host,
    answer,
    join,
    key_for,
    send_at_once,
    stored,
)
from webapp.extensions import db as _db
from webapp.models import ClassSession, Participant
from webapp.services import content
from webapp.services.classroom import sessions as svc


@pytest.fixture
def other(app):
    return Host(app, "other@example.org")


# --- creating ---------------------------------------------------------------------------


def test_create_returns_an_unambiguous_code_and_join_url(app, host):
    response = host.post(API, {"scenarios": [COURSE, {"id": SECOND}]})
    assert response.status_code == 201
    body = response.get_json()
    code = body["code"]
    assert len(code) == 6
    assert set(code) <= set(svc.CODE_ALPHABET)
    assert not set("0O1IL") & set(svc.CODE_ALPHABET)
    assert body["join_url"].endswith(f"/join?code={code}")
    with app.app_context():
        cs = _db.session.query(ClassSession).one()
        assert cs.phase == "lobby"
        assert [s.scenario_slug for s in cs.scenarios] == [COURSE, SECOND]
        assert cs.scenarios[0].variant == "oracle-on-ec2"  # the default variant is pinned


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"scenarios": []}, "choose at least one scenario"),
        ({"scenarios": ["no-such-scenario"]}, "no published scenario 'no-such-scenario'"),
        ({"scenarios": [{"id": COURSE, "variant": "on-the-moon"}]}, "unknown variant"),
        ({"scenarios": [COURSE, COURSE]}, "chosen twice"),
        ({"scenarios": [COURSE], "colour": "red"}, "unknown field 'colour'"),
        ({"scenarios": [COURSE], "feedback": "never"}, "'feedback' must be"),
    ],
)
def test_create_rejects_bad_requests_and_stores_nothing(app, host, body, problem):
    response = host.post(API, body)
    assert response.status_code == 400
    text = json.dumps(response.get_json())
    assert problem in text
    assert count_rows(app, ClassSession) == 0


def test_create_needs_an_instructor_login_and_the_csrf_header(app, host, client):
    assert client.post(API, json={"scenarios": [COURSE]}).status_code == 403
    no_header = host.client.post(API, json={"scenarios": [COURSE]})
    assert no_header.status_code == 400
    assert "CSRF" in no_header.get_json()["error"]
    assert count_rows(app, ClassSession) == 0


def test_new_code_draws_again_when_a_code_is_taken(app, host, monkeypatch):
    taken = host.create()
    letters = iter(taken + "BBBBBB")
    monkeypatch.setattr(svc.secrets, "choice", lambda alphabet: next(letters))
    with app.app_context():
        assert svc.new_code(_db.session) == "BBBBBB"


# --- joining ----------------------------------------------------------------------------


def test_join_returns_a_token_sets_a_cookie_and_counts_in_the_room(app, host):
    code = host.create()
    learner = app.test_client()
    before = learner.get(f"{API}/{code}/state").get_json()["version"]
    response = learner.post(f"{API}/{code}/join", json={"nickname": "  Ada   Lovelace "})
    assert response.status_code == 201
    body = response.get_json()
    assert body["nickname"] == "Ada Lovelace"
    assert f"srm_class_{code}={body['participant_token']}" in response.headers["Set-Cookie"]
    polled = learner.get(f"{API}/{code}/state")
    # a join leaves the version (and every learner's ETag) alone; the count travels apart
    assert polled.headers["X-Room-Count"] == "1"
    assert polled.get_json()["version"] == before
    with app.app_context():  # only a hash of the token is kept
        row = _db.session.query(Participant).one()
        assert row.token_hash != body["participant_token"]
        assert len(row.token_hash) == 64


@pytest.mark.parametrize(
    ("nickname", "status", "message"),
    [
        ("ada", 409, "is taken"),  # case-insensitive
        ("", 400, "enter a nickname"),
        ("   ", 400, "enter a nickname"),
        ("x" * 25, 400, "at most 24 characters"),
        ("<script>", 400, "letters, digits"),
        ("_hidden", 400, "starting with a letter or digit"),
        (42, 400, "enter a nickname"),
    ],
)
def test_join_rejects_taken_and_badly_formed_nicknames(app, host, nickname, status, message):
    code = host.create()
    join(app, code, "Ada")
    response = app.test_client().post(f"{API}/{code}/join", json={"nickname": nickname})
    assert response.status_code == status
    assert message in response.get_json()["error"]
    assert count_rows(app, Participant) == 1


def test_join_unknown_code_is_404_and_ended_session_is_410(app, host):
    learner = app.test_client()
    assert learner.post(f"{API}/ZZZZZZ/join", json={"nickname": "Ada"}).status_code == 404
    code = host.create()
    host.act(code, "end")
    response = learner.post(f"{API}/{code}/join", json={"nickname": "Ada"})
    assert response.status_code == 410
    assert count_rows(app, Participant) == 0


def test_codes_are_read_forgivingly(app, host):
    code = host.create()
    spaced = f"{code[:3].lower()} {code[3:]}"
    assert app.test_client().get(f"{API}/{spaced}/state").status_code == 200


# --- state ------------------------------------------------------------------------------


def test_state_is_cacheable_and_changes_with_host_actions(app, host):
    code = host.create([COURSE, SECOND])
    learner = app.test_client()
    first = learner.get(f"{API}/{code}/state")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    body = first.get_json()
    assert body["phase"] == "lobby"
    assert body["scenario"]["id"] == COURSE
    assert body["scenario"]["position"] == 1
    assert body["scenario"]["count"] == 2
    unchanged = learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.data == b""
    host.act(code, "open")
    changed = learner.get(f"{API}/{code}/state", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.get_json()["phase"] == "open"
    assert changed.headers["ETag"] != etag
    assert "expected" not in changed.get_data(as_text=True)


def test_state_unknown_is_404_and_ended_is_410(app, host):
    assert app.test_client().get(f"{API}/NOPE23/state").status_code == 404
    code = host.create()
    host.act(code, "end")
    assert app.test_client().get(f"{API}/{code}/state").status_code == 410


# --- pacing -----------------------------------------------------------------------------


def test_pacing_walks_through_the_scenarios(app, host):
    code = host.create([COURSE, SECOND])
    assert host.act(code, "open", "close", "reveal").get_json()["phase"] == "revealed"
    body = host.act(code, "next").get_json()
    assert body["phase"] == "lobby"
    assert body["position"] == 2
    host.act(code, "open", "reveal", "end")
    with app.app_context():
        cs = _db.session.query(ClassSession).one()
        assert cs.phase == "ended"
        assert cs.ended_at is not None


@pytest.mark.parametrize(
    ("done", "action", "status"),
    [
        ((), "close", 409),
        ((), "reveal", 409),
        ((), "next", 409),
        (("open",), "next", 409),
        (("open", "reveal"), "next", 409),  # the last scenario: end instead
        (("end",), "open", 410),
    ],
)
def test_pacing_refuses_actions_the_phase_does_not_allow(app, host, done, action, status):
    code = host.create()
    host.act(code, *done)
    response = host.post(f"{API}/{code}/{action}")
    assert response.status_code == status
    assert response.get_json()["error"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("open", None),
        ("close", None),
        ("reveal", None),
        ("next", None),
        ("end", None),
        ("leaderboard", {"show": True}),
        ("participants/{pid}/remove", None),
    ],
)
def test_host_actions_are_refused_to_learners_and_other_instructors(app, host, other, path, body):
    code = host.create()
    learner, token = join(app, code, "Ada")
    with app.app_context():
        pid = _db.session.query(Participant).one().id
    url = f"{API}/{code}/" + path.format(pid=pid)
    assert learner.post(url, json=body or {}).status_code == 403
    assert other.post(url, body).status_code == 403
    with app.app_context():
        cs = _db.session.query(ClassSession).one()
        assert (cs.phase, cs.show_leaderboard) == ("lobby", False)
        assert not _db.session.query(Participant).one().removed


def test_an_admin_may_run_any_session(app, host):
    code = host.create()
    admin = Host(app, "admin@example.org", role="admin")
    assert admin.post(f"{API}/{code}/open").status_code == 200
    assert admin.client.get(f"{API}/{code}/dashboard").status_code == 200


def test_host_dashboard_and_report_are_refused_to_others(app, host, other):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    for url in (
        f"{API}/{code}/dashboard",
        f"{API}/{code}/report",
        f"{API}/{code}/report?format=csv",
    ):
        assert learner.get(url).status_code == 403
        assert other.client.get(url).status_code == 403
        assert host.client.get(url).status_code == 200


# --- answers ----------------------------------------------------------------------------


def test_answers_are_graded_stored_once_and_feedback_waits_for_reveal(app, host):
    code = host.create()
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    key = key_for(app)
    response = answer(learner, code, token, key)
    assert response.status_code == 201
    body = response.get_json()
    assert body["feedback"] == "after-reveal"
    assert body["score"] is None
    assert body["answered"] == len(key)
    assert "expected" not in response.get_data(as_text=True)
    assert "attempt_id" not in body  # would lead to the stored verdicts before reveal
    assert stored(app)[:2] == (1, len(key))
    second = answer(learner, code, token, key)
    assert second.status_code == 409
    assert "already answered" in second.get_json()["error"]
    assert stored(app)[:2] == (1, len(key))
    host.act(code, "reveal")
    mine = learner.get(f"{API}/{code}/me").get_json()
    result = mine["scenarios"][0]["result"]
    assert result["feedback"] == "shown"
    assert result["score"] == 1.0
    assert {r["expected"] for r in result["results"]} <= {"aws", "customer"}


def test_immediate_feedback_session_returns_the_grade_shape(app, host):
    code = host.create(feedback="immediate")
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    key = key_for(app)
    wrong = dict(key)
    first = next(iter(key))
    wrong[first] = "aws" if key[first] == "customer" else "customer"
    body = answer(learner, code, token, wrong).get_json()
    assert body["correct"] == len(key) - 1
    assert body["total"] == len(key)
    verdicts = {r["task_id"]: r["verdict"] for r in body["results"]}
    assert verdicts[first] == "incorrect"
    assert all(r["explanation"] for r in body["results"])


def test_the_participant_cookie_stands_in_for_the_token(app, host):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    host.act(code, "open")
    response = learner.post(f"{API}/{code}/answers", json={"scenario_id": COURSE, "answers": {}})
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"answers": {"patch-web-os": "nobody"}}, "unknown party"),
        ({"answers": {"no-such-task": "aws"}}, "unknown task id"),
        ({"answers": {"patch-web-os": "shared"}}, "not used in this scenario"),
        ({"answers": ["aws"]}, "'answers' must be an object"),
        ({"scenario_id": SECOND}, "must name a scenario of this session"),
        ({"variant": "oracle-on-rds"}, "under variant 'oracle-on-ec2'"),
        ({"bonus": 1}, "unknown field 'bonus'"),
    ],
)
def test_bad_answers_are_400_and_store_nothing(app, host, body, problem):
    code = host.create()
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    request = {
        "participant_token": token,
        "scenario_id": COURSE,
        "answers": {"patch-web-os": "customer"},
        **body,
    }
    response = learner.post(f"{API}/{code}/answers", json=request)
    assert response.status_code == 400
    assert problem in json.dumps(response.get_json())
    assert stored(app)[:2] == (0, 0)


def test_answers_outside_the_open_phase_are_409(app, host):
    code = host.create([COURSE, SECOND])
    learner, token = join(app, code, "Ada")
    assert answer(learner, code, token, {}).status_code == 409  # lobby
    host.act(code, "open", "close")
    response = answer(learner, code, token, {})
    assert response.status_code == 409
    assert "closed" in response.get_json()["error"]
    host.act(code, "reveal", "next", "open")
    assert answer(learner, code, token, {}).status_code == 409  # the first one is over
    assert answer(learner, code, token, {}, scenario_id=SECOND).status_code == 201
    host.act(code, "end")
    assert answer(learner, code, token, {}, scenario_id=SECOND).status_code == 410
    assert stored(app)[0] == 1


def test_bad_or_foreign_tokens_are_403(app, host):
    code = host.create()
    other_code = host.create()
    _, foreign = join(app, other_code, "Bea")
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    stranger = app.test_client()
    assert answer(stranger, code, "x" * 43, {}).status_code == 403
    assert answer(stranger, code, foreign, {}).status_code == 403
    assert (
        stranger.post(
            f"{API}/{code}/answers", json={"scenario_id": COURSE, "answers": {}}
        ).status_code
        == 403
    )
    assert stored(app)[0] == 0


def test_removed_participant_cannot_answer_and_leaves_the_counts(app, host):
    code = host.create()
    learner, token = join(app, code, "Ada")
    join(app, code, "Bea")
    with app.app_context():
        pid = _db.session.query(Participant).filter_by(nickname="Ada").one().id
    response = host.post(f"{API}/{code}/participants/{pid}/remove")
    assert response.status_code == 200
    state = learner.get(f"{API}/{code}/state").get_json()
    assert state["participants"] == 1
    assert state["removed"] == [pid]
    host.act(code, "open")
    refused = answer(learner, code, token, {})
    assert refused.status_code == 403
    assert "removed" in refused.get_json()["error"]
    assert host.post(f"{API}/{code}/participants/999999/remove").status_code == 404


def test_concurrent_retries_store_one_answer_set(app, host):
    code = host.create()
    _, token = join(app, code, "Ada")
    host.act(code, "open")
    key = key_for(app)
    assert send_at_once(app, code, token, key) == [201] + [409] * 5
    assert stored(app)[:2] == (1, len(key))


def test_an_answer_racing_close_is_refused_and_not_kept(app, host):
    from webapp.api.errors import class_error_status
    from webapp.services.classroom.answers import AnswerSet, check_answer_set, store_checked
    from webapp.services.classroom.errors import ClassError

    code = host.create()
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    with app.test_request_context(method="POST"):
        sent = AnswerSet(code, token, {"scenario_id": COURSE, "answers": {}})
        _, checked = check_answer_set(_db.session, sent, content.rules())
        _db.session.rollback()
        host.act(code, "close")  # lands in another worker between the check and the write
        with pytest.raises(ClassError) as caught:
            store_checked(_db.session, checked)
        _db.session.rollback()
    assert class_error_status(caught.value) == 409
    assert "closed" in caught.value.message
    assert stored(app)[0] == 0


# --- dashboard, leaderboard, report -----------------------------------------------------


def _room(app, host, feedback="after-reveal"):
    """Three learners in an open session: Ada all right, Bea one wrong, Cy nothing sent."""
    code = host.create(feedback=feedback)
    ada, ta = join(app, code, "Ada")
    bea, tb = join(app, code, "Bea")
    join(app, code, "Cy")
    host.act(code, "open")
    key = key_for(app)
    first = next(iter(key))
    wrong = {**key, first: "aws" if key[first] == "customer" else "customer"}
    assert answer(ada, code, ta, key).status_code == 201
    assert answer(bea, code, tb, wrong).status_code == 201
    return code, key, first


def test_dashboard_counts_per_zone_and_hides_the_key_while_open(app, host):
    code, key, first = _room(app, host)
    dash = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert (dash["joined"], dash["answered"]) == (3, 2)
    # while open the room's placements stay off the host's (projectable) screen...
    assert dash["distribution"] == "hidden"
    assert dash["tasks"] == []
    assert [(p["nickname"], p["status"]) for p in dash["people"]] == [
        ("Ada", "sent"),
        ("Bea", "sent"),
        ("Cy", "waiting"),
    ]
    # ...unless the host turns the live distribution on
    assert host.post(f"{API}/{code}/live", {"show": True}).status_code == 200
    dash = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert dash["distribution"] == "shown"
    rows = {t["task_id"]: t for t in dash["tasks"]}
    assert [t["task_id"] for t in dash["tasks"]] == list(key)  # scenario order while open
    assert all(t["expected"] is None for t in dash["tasks"])
    right = key[first]
    wrong = "aws" if right == "customer" else "customer"
    assert rows[first]["counts"] == {right: 1, wrong: 1, "unanswered": 1}
    assert (rows[first]["not_sent"], rows[first]["left_in_tray"]) == (1, 0)
    host.act(code, "close")
    dash = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert dash["tasks"][0]["task_id"] == first  # the misplaced task leads the discussion
    assert dash["tasks"][0]["expected"] == right
    assert dash["tasks"][0]["misplaced"] == 1


def test_leaderboard_shows_nicknames_only_when_the_host_wants(app, host):
    code, key, _ = _room(app, host)
    assert host.client.get(f"{API}/{code}/dashboard").get_json()["leaderboard"] == []
    response = host.post(f"{API}/{code}/leaderboard", {"show": True})
    assert response.status_code == 200
    board = host.client.get(f"{API}/{code}/dashboard").get_json()["leaderboard"]
    assert [row["nickname"] for row in board] == ["Ada", "Bea"]
    assert set(board[0]) == {"rank", "nickname", "correct", "total"}
    assert board[0]["correct"] == len(key)
    assert host.post(f"{API}/{code}/leaderboard", {"show": "yes"}).status_code == 400


def test_report_per_participant_and_per_task(app, host):
    code, key, first = _room(app, host)
    host.act(code, "reveal", "end")
    report = host.client.get(f"{API}/{code}/report").get_json()
    people = {p["nickname"]: p for p in report["participants"]}
    assert set(people) == {"Ada", "Bea", "Cy"}
    assert people["Cy"]["scenarios"] == []
    ada = people["Ada"]["scenarios"][0]
    assert ada["scenario_id"] == COURSE
    assert ada["variant"] == "oracle-on-ec2"
    assert ada["score"] == 1.0
    assert ada["answers"] == key
    assert people["Bea"]["scenarios"][0]["score"] == round((len(key) - 1) / len(key), 4)
    tasks = {t["task_id"]: t for t in report["tasks"]}
    assert set(tasks) == set(key)
    assert tasks[first]["expected"] == key[first]
    assert all(sum(t["counts"].values()) == 3 for t in report["tasks"])
    assert tasks[first]["text"]


def test_report_as_csv(app, host):
    import csv
    import io

    code, key, first = _room(app, host)
    answers = host.client.get(f"{API}/{code}/report?format=csv")
    assert answers.status_code == 200
    assert answers.mimetype == "text/csv"
    assert "attachment" in answers.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answers.get_data(as_text=True))))
    assert len(rows) == 2 * len(key)
    bea_first = next(r for r in rows if r["nickname"] == "Bea" and r["task_id"] == first)
    assert bea_first["correct"] == "no"
    assert bea_first["expected"] == key[first]
    tasks = host.client.get(f"{API}/{code}/report?format=csv&table=tasks")
    task_rows = list(csv.DictReader(io.StringIO(tasks.get_data(as_text=True))))
    assert len(task_rows) == len(key)
    assert task_rows[0]["unanswered"] == "1"
    assert host.client.get(f"{API}/{code}/report?format=xml").status_code == 400


def test_csv_cells_cannot_start_a_formula():
    from webapp.services.classroom.report import _cell

    assert _cell("=HYPERLINK()") == "'=HYPERLINK()"
    assert _cell("-1") == "'-1"
    assert _cell("Ada") == "Ada"


def test_a_reconnecting_learner_keeps_their_answers(app, host):
    code = host.create()
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    key = key_for(app)
    assert answer(learner, code, token, key).status_code == 201
    # a new browser tab, or a phone that lost the connection: the cookie brings them back
    again = learner.get(f"/join?code={code}")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/play/{code}")
    page = learner.get(f"/play/{code}").get_data(as_text=True)
    assert "Your answers are in" in page
    assert "Send answers" not in page
    mine = learner.get(f"{API}/{code}/me").get_json()
    assert mine["nickname"] == "Ada"
    assert mine["scenarios"][0]["answered"] is True
    assert stored(app)[0] == 1
