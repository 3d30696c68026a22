"""Sessions that let a learner send more than one answer set per scenario (the host sets how
many): every try is stored once, the last one counts everywhere, the limit holds."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.conftest import count_rows
from tests.helpers.classroom import (
    API,
    COURSE,
    answer,
    join,
    key_for,
    send_at_once,
    stored,
)
from tests.helpers.keys import flip
from webapp.extensions import db as _db
from webapp.models import Attempt, ClassSession


@pytest.mark.parametrize("value", [0, 11, "2", 2.5, True, None])
def test_create_rejects_answer_sets_outside_one_to_ten(app, host, value):
    response = host.post(API, {"scenarios": [COURSE], "answer_sets": value})
    assert response.status_code == 400
    assert "'answer_sets' must be a whole number from 1 to 10" in json.dumps(response.get_json())
    assert count_rows(app, ClassSession) == 0


def test_one_answer_set_is_the_default(app, host):
    code = host.create()
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    key = key_for(app)
    assert answer(learner, code, token, key).status_code == 201
    again = answer(learner, code, token, key)
    assert again.status_code == 409
    assert again.get_json()["error"] == "you have already answered this scenario"
    assert stored(app)[0] == 1


def test_later_sets_are_stored_once_each_and_the_limit_holds(app, host):
    code = host.create(answer_sets=3)
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    key = key_for(app)
    first = next(iter(key))
    for answers in (flip(key, first), key, flip(key, first)):
        assert answer(learner, code, token, answers).status_code == 201
    mine = learner.get(f"{API}/{code}/me").get_json()
    assert mine["answer_sets_allowed"] == 3
    assert mine["scenarios"][0]["answer_sets_sent"] == 3
    assert mine["scenarios"][0]["result"]["answered"] == len(key)
    fourth = answer(learner, code, token, key)
    assert fourth.status_code == 409
    body = fourth.get_json()
    assert "all 3 answer sets" in body["error"]
    assert body["details"] == ["already-answered"]
    assert stored(app)[:2] == (3, 3 * len(key))
    with app.app_context():
        tries = sorted(_db.session.execute(_db.select(Attempt.class_try)).scalars())
    assert tries == [1, 2, 3]


def test_the_last_set_counts_on_the_dashboard_leaderboard_and_report(app, host):
    code = host.create(answer_sets=2)
    ada, ta = join(app, code, "Ada")
    bea, tb = join(app, code, "Bea")
    host.act(code, "open")
    key = key_for(app)
    first = next(iter(key))
    right, wrong = key[first], flip(key, first)[first]
    assert answer(ada, code, ta, key).status_code == 201  # Ada: right, then wrong
    assert answer(ada, code, ta, flip(key, first)).status_code == 201
    assert answer(bea, code, tb, flip(key, first)).status_code == 201  # Bea: wrong, then right
    assert answer(bea, code, tb, key).status_code == 201
    host.act(code, "close")  # the room's placements show once answering is closed
    dash = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert dash["answered"] == 2  # people, not answer sets
    rows = {t["task_id"]: t for t in dash["tasks"]}
    assert rows[first]["counts"] == {right: 1, wrong: 1, "unanswered": 0}
    host.post(f"{API}/{code}/leaderboard", {"show": True})
    board = host.client.get(f"{API}/{code}/dashboard").get_json()["leaderboard"]
    assert [(r["nickname"], r["correct"]) for r in board] == [
        ("Bea", len(key)),
        ("Ada", len(key) - 1),
    ]
    host.act(code, "reveal", "end")
    report = host.client.get(f"{API}/{code}/report").get_json()
    assert report["answer_sets_allowed"] == 2
    people = {p["nickname"]: p["scenarios"] for p in report["participants"]}
    assert len(people["Ada"]) == 1
    assert people["Ada"][0]["answers"][first] == wrong
    assert people["Ada"][0]["answer_sets"] == 2
    assert people["Bea"][0]["score"] == 1.0
    tasks = {t["task_id"]: t for t in report["tasks"]}
    assert tasks[first]["counts"] == {right: 1, wrong: 1, "unanswered": 0}
    rows = list(
        csv.DictReader(
            io.StringIO(host.client.get(f"{API}/{code}/report?format=csv").get_data(as_text=True))
        )
    )
    assert len(rows) == 2 * len(key)
    assert {r["answer_sets"] for r in rows} == {"2"}


def test_concurrent_sends_store_each_try_once(app, host):
    code = host.create(answer_sets=2)
    _, token = join(app, code, "Ada")
    host.act(code, "open")
    key = key_for(app)
    statuses = send_at_once(app, code, token, key)
    # SQLite serialises the six, so the second one stores try 2; on PostgreSQL they may all
    # read "none sent yet", and then only one stores try 1. Never more than allowed or a
    # try stored twice.
    sent = statuses.count(201)
    assert sent in (1, 2)
    assert statuses.count(409) == 6 - sent
    assert stored(app)[:2] == (sent, sent * len(key))
    with app.app_context():
        tries = sorted(_db.session.execute(_db.select(Attempt.class_try)).scalars())
    assert tries == list(range(1, sent + 1))


def test_the_learner_page_offers_a_changed_set_holding_the_last_answers(app, host):
    code = host.create(answer_sets=2)
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    page = learner.get(f"/play/{code}").get_data(as_text=True)
    assert "You can send up to 2 times" in page
    key = key_for(app)
    first = next(iter(key))
    sent = flip(key, first)
    assert answer(learner, code, token, sent).status_code == 201
    page = learner.get(f"/play/{code}").get_data(as_text=True)
    assert "You can still change them once" in page
    assert "js-again" in page
    assert 'class="board' not in page
    again = learner.get(f"/play/{code}/panel?again=1").get_data(as_text=True)
    assert "last chance to change them" in again
    checked = dict(re.findall(r'name="answer-([^"]+)" value="([^"]+)" checked', again))
    assert checked == sent  # the board holds the answers sent last
    # the plain form (no JavaScript) sends the second set; then no third is offered
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', again).group(1)
    form = {"csrf_token": csrf, "scenario_id": COURSE, **{f"answer-{t}": p for t, p in key.items()}}
    assert learner.post(f"/play/{code}", data=form).status_code == 302
    page = learner.get(f"/play/{code}?again=1").get_data(as_text=True)
    assert "js-again" not in page
    assert 'class="board' not in page
    assert stored(app)[0] == 2


def test_a_numbered_set_resent_after_a_lost_reply_is_not_stored_twice(app, host):
    code = host.create(answer_sets=3)
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    key = key_for(app)
    assert answer(learner, code, token, key, answer_set=1).status_code == 201
    resent = answer(learner, code, token, key, answer_set=1)
    assert resent.status_code == 409
    assert resent.get_json() == {
        "message": "answer set 1 is already stored",
        "error": "answer set 1 is already stored",
        "details": ["already-answered"],
    }
    assert stored(app)[0] == 1
    assert answer(learner, code, token, key, answer_set=2).status_code == 201
    assert stored(app)[0] == 2


@pytest.mark.parametrize(
    ("number", "status", "problem"),
    [
        (3, 400, "'answer_set' 3 is not the next set: that is 1"),
        ("1", 400, "'answer_set' must be a whole number"),
        (0, 400, "'answer_set' must be a whole number"),
        (True, 400, "'answer_set' must be a whole number"),
    ],
)
def test_bad_answer_set_numbers_are_refused(app, host, number, status, problem):
    code = host.create(answer_sets=3)
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    response = answer(learner, code, token, key_for(app), answer_set=number)
    assert response.status_code == status
    assert problem in json.dumps(response.get_json())
    assert stored(app)[0] == 0


def test_the_boards_carry_the_number_of_the_set_they_send(app, host):
    code = host.create(answer_sets=2)
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    first = learner.get(f"/play/{code}").get_data(as_text=True)
    assert 'data-answer-set="1"' in first
    assert 'name="answer_set" value="1"' in first
    assert answer(learner, code, token, key_for(app), answer_set=1).status_code == 201
    again = learner.get(f"/play/{code}?again=1").get_data(as_text=True)
    assert 'data-answer-set="2"' in again
    assert 'name="answer_set" value="2"' in again
