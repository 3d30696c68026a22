"""Pacing a class: steps that cannot be skipped, countdowns, drafts sent at the close,
locked joining, what the host's screens show, and the order the host chose."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import count_rows
from tests.helpers.classroom import API, COURSE, SECOND, answer, join, key_for
from tests.helpers.csrf import meta_csrf as csrf_of
from webapp.extensions import db as _db
from webapp.models import Attempt, ClassDraft, ClassSession, Participant
from webapp.models.base import utcnow


def _phase(app) -> tuple[str, int]:
    with app.app_context():
        cs = _db.session.query(ClassSession).one()
        return cs.phase, cs.current_index + 1


def _draft(learner, code, token, answers, **extra):
    body = {"participant_token": token, "scenario_id": COURSE, "answers": answers, **extra}
    return learner.post(f"{API}/{code}/draft", json=body)


def _sent(app) -> list[tuple[str, str | None, int]]:
    """(nickname, sent_by, cards placed) of every stored answer set."""
    with app.app_context():
        rows = _db.session.execute(
            select(Participant.nickname, Attempt.class_sent_by, Attempt.answers)
            .join(Attempt, Attempt.participant_id == Participant.id)
            .order_by(Participant.nickname)
        ).all()
        return [(n, by, len(a)) for n, by, a in rows]


# --- a step carries the moment it was pressed in ------------------------------------------


def test_a_repeated_step_is_refused_instead_of_skipping_the_next(app, host):
    code = host.create(scenarios=[COURSE, SECOND])
    assert (
        host.post(f"{API}/{code}/open", {"expect_phase": "lobby", "expect_position": 1}).status_code
        == 200
    )
    close = {"expect_phase": "open", "expect_position": 1}
    assert host.post(f"{API}/{code}/close", close).status_code == 200
    # the second click of a double click lands on "reveal", still saying "open"
    twice = host.post(f"{API}/{code}/reveal", close)
    assert twice.status_code == 409
    assert twice.get_json()["details"] == ["moved-on"]
    assert "already moved on" in twice.get_json()["error"]
    assert _phase(app) == ("closed", 1)
    host.post(f"{API}/{code}/reveal", {"expect_phase": "closed", "expect_position": 1})
    step = {"expect_phase": "revealed", "expect_position": 1}
    assert host.post(f"{API}/{code}/next", step).status_code == 200
    assert host.post(f"{API}/{code}/next", step).status_code == 409
    assert host.post(f"{API}/{code}/open", step).status_code == 409
    assert _phase(app) == ("lobby", 2)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"expect_phase": "open"}, "'expect_phase' must be"),
        ({"expect_phase": "nowhere", "expect_position": 1}, "'expect_phase' must be"),
        ({"expect_phase": "lobby", "expect_position": "1"}, "'expect_phase' must be"),
        ({"countdown": 1}, "'countdown' must be"),
        ({"countdown": "60"}, "'countdown' must be"),
        ({"countdown": 99999}, "'countdown' must be"),
    ],
)
def test_bad_pacing_requests_change_nothing(app, host, body, problem):
    code = host.create()
    response = host.post(f"{API}/{code}/open", body)
    assert response.status_code == 400
    assert problem in str(response.get_json())
    assert _phase(app) == ("lobby", 1)


def test_a_countdown_goes_with_open_only(app, host):
    code = host.create()
    host.act(code, "open")
    response = host.post(f"{API}/{code}/close", {"countdown": 30})
    assert response.status_code == 400
    assert _phase(app) == ("open", 1)


def test_the_plain_form_carries_the_phase_and_a_double_post_is_refused(app, host):
    code = host.create()
    page = host.client.get(f"/host/{code}").get_data(as_text=True)
    assert 'name="expect_phase" value="lobby"' in page
    token = csrf_of(page)
    data = {"csrf_token": token, "expect_phase": "lobby", "expect_position": "1", "countdown": "60"}
    assert host.client.post(f"/host/{code}/action/open", data=data).status_code == 302
    again = host.client.post(f"/host/{code}/action/close", data=data, follow_redirects=True)
    assert "Nothing changed: the session had already moved on" in again.get_data(as_text=True)
    assert _phase(app) == ("open", 1)
    with app.app_context():
        left = (_db.session.query(ClassSession).one().closes_at - utcnow()).total_seconds()
        assert 50 < left <= 60


# --- placements are never lost -------------------------------------------------------------


def test_closing_sends_what_each_learner_placed(app, host):
    code = host.create()
    ada, ta = join(app, code, "Ada")
    bea, tb = join(app, code, "Bea")
    cy, tc = join(app, code, "Cy")
    host.act(code, "open")
    key = key_for(app)
    some = dict(list(key.items())[:3])
    assert _draft(ada, code, ta, some).get_json() == {"saved": True, "placed": 3, "answer_set": 1}
    assert _draft(ada, code, ta, {**some, **dict(list(key.items())[3:5])}).status_code == 200
    assert answer(bea, code, tb, key).status_code == 201  # Bea sent her own
    assert _draft(bea, code, tb, some).status_code == 409  # ...and has no set left
    assert _draft(cy, code, tc, {}).status_code == 200  # Cy placed nothing
    dash = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert {p["nickname"]: (p["status"], p["placed"]) for p in dash["people"]} == {
        "Ada": ("placing", 5),
        "Bea": ("sent", 0),
        "Cy": ("waiting", 0),
    }
    host.act(code, "close")
    assert _sent(app) == [("Ada", "close", 5), ("Bea", None, len(key))]  # Cy: no answer
    assert count_rows(app, ClassDraft) == 0
    assert _draft(ada, code, ta, some).status_code == 409  # closed: nothing more is kept
    report = host.client.get(f"{API}/{code}/report").get_json()
    assert [s["sent_by"] for p in report["participants"] for s in p["scenarios"]] == [
        "close",
        "learner",
    ]
    page = host.client.get(f"/host/{code}/report").get_data(as_text=True)
    assert "sent at the close" in page
    mine = ada.get(f"{API}/{code}/me", headers={"X-Participant": ta}).get_json()
    assert mine["scenarios"][0]["sent_by"] == "close"


def test_a_bad_draft_is_refused_and_stores_nothing(app, host):
    code = host.create()
    ada, ta = join(app, code, "Ada")
    assert _draft(ada, code, ta, {}).status_code == 409  # not open yet
    host.act(code, "open")
    refused = _draft(ada, code, ta, {"no-such-task": "aws"})
    assert refused.status_code == 400
    assert refused.get_json()["details"]
    assert _draft(ada, code, "x" * 30, {}).status_code == 403
    assert count_rows(app, ClassDraft) == 0


def test_the_countdown_closes_answering_and_sends_the_drafts(app, host):
    code = host.create()
    ada, ta = join(app, code, "Ada")
    response = host.post(f"{API}/{code}/open", {"countdown": 30})
    assert response.get_json()["seconds_left"] in (29, 30)
    state = ada.get(f"{API}/{code}/state").get_json()
    assert state["phase"] == "open"
    assert state["closes_at"].endswith("Z")
    key = key_for(app)
    assert _draft(ada, code, ta, dict(list(key.items())[:2])).status_code == 200
    with app.app_context():  # the time runs out
        _db.session.execute(update(ClassSession).values(closes_at=utcnow() - timedelta(seconds=5)))
        _db.session.commit()
    state = ada.get(f"{API}/{code}/state").get_json()
    assert state["phase"] == "closed"
    assert state["closes_at"] is None
    assert _sent(app) == [("Ada", "timer", 2)]
    late = answer(ada, code, ta, key)
    assert late.status_code == 409
    panel = ada.get(f"/play/{code}/panel").get_data(as_text=True)
    assert "Time ran out, so the cards you had placed were sent for you." in panel


def test_a_reload_gets_the_board_back_with_the_draft(app, host):
    code = host.create()
    ada, ta = join(app, code, "Ada")
    host.act(code, "open")
    task, party = next(iter(key_for(app).items()))
    _draft(ada, code, ta, {task: party})
    page = ada.get(f"/play/{code}").get_data(as_text=True)
    assert f'name="answer-{task}" value="{party}" checked' in page


# --- joining can be locked --------------------------------------------------------------


def test_a_locked_session_refuses_new_learners_only(app, host):
    code = host.create()
    ada, ta = join(app, code, "Ada")
    assert host.post(f"{API}/{code}/lock", {"locked": True}).get_json()["locked"] is True
    refused = app.test_client().post(f"{API}/{code}/join", json={"nickname": "Bea"})
    assert refused.status_code == 403
    assert "locked" in refused.get_json()["error"]
    assert count_rows(app, Participant) == 1
    form = app.test_client()
    page = form.get(f"/join?code={code}").get_data(as_text=True)
    shown = form.post("/join", data={"csrf_token": csrf_of(page), "code": code, "nickname": "Cy"})
    assert shown.status_code == 400
    assert "The host has locked this session" in shown.get_data(as_text=True)
    host.act(code, "open")
    assert answer(ada, code, ta, key_for(app)).status_code == 201  # Ada carries on
    host.post(f"{API}/{code}/lock", {"locked": False})
    assert app.test_client().post(f"{API}/{code}/join", json={"nickname": "Bea"}).status_code == 201


# --- what the host's screens show ----------------------------------------------------------


def test_open_console_names_who_sent_and_hides_the_room_placements(app, host):
    code = host.create()
    ada, ta = join(app, code, "Ada")
    join(app, code, "Bea")
    host.act(code, "open")
    answer(ada, code, ta, key_for(app))
    for path in (f"/host/{code}/panel", f"/host/{code}/present/panel"):
        panel = host.client.get(path).get_data(as_text=True)
        assert "Not sent yet (1)" in panel
        assert "Sent (1)" in panel
        assert "Where the room put each card" not in panel
        assert "Customer 1" not in panel
    console = host.client.get(f"/host/{code}/panel").get_data(as_text=True)
    assert "Show live distribution: off" in console
    presenter = host.client.get(f"/host/{code}/present").get_data(as_text=True)
    assert "Open answering" not in presenter
    assert "Close answering" not in presenter


def test_after_the_reveal_the_host_sees_each_reason_and_source(app, host):
    code = host.create()
    ada, ta = join(app, code, "Ada")
    host.act(code, "open")
    answer(ada, code, ta, key_for(app))
    host.act(code, "close")
    closed = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert closed["tasks"]
    assert all("explanation" not in t for t in closed["tasks"])
    host.act(code, "reveal")
    revealed = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert all(t["explanation"] and t["source"].startswith("https://") for t in revealed["tasks"])
    for path in (f"/host/{code}/panel", f"/host/{code}/present/panel"):
        panel = host.client.get(path).get_data(as_text=True)
        assert revealed["tasks"][0]["explanation"] in panel
        assert f'href="{revealed["tasks"][0]["source"]}"' in panel


# --- the learner's screen -----------------------------------------------------------------


def test_the_learner_sees_the_variant_on_every_screen(app, host):
    code = host.create(scenarios=[{"id": COURSE, "variant": "oracle-on-rds"}])
    ada, ta = join(app, code, "Ada")
    variant = "Variant: <strong>Oracle on Amazon RDS</strong>"
    assert variant in ada.get(f"/play/{code}").get_data(as_text=True)  # lobby
    host.act(code, "open")
    assert variant in ada.get(f"/play/{code}/panel").get_data(as_text=True)  # board
    rds = key_for(app, variant="oracle-on-rds")
    answer(ada, code, ta, rds)
    assert variant in ada.get(f"/play/{code}/panel").get_data(as_text=True)  # sent
    host.act(code, "reveal")
    assert variant in ada.get(f"/play/{code}/panel").get_data(as_text=True)  # results
    state = ada.get(f"{API}/{code}/state").get_json()
    assert state["scenario"]["variant_title"] == "Oracle on Amazon RDS"


def test_after_the_reveal_the_learner_sees_their_rank_and_misses_first(app, host):
    code = host.create()
    ada, ta = join(app, code, "Ada")
    bea, tb = join(app, code, "Bea")
    host.act(code, "open")
    key = key_for(app)
    last = list(key)[-1]
    answer(ada, code, ta, key)
    answer(bea, code, tb, {**key, last: "aws" if key[last] == "customer" else "customer"})
    host.post(f"{API}/{code}/leaderboard", {"show": True})
    host.act(code, "reveal")
    panel = bea.get(f"/play/{code}/panel").get_data(as_text=True)
    assert "You are <strong>2nd</strong> of 2 on the leaderboard." in panel
    assert panel.index("rank-line") < panel.index("<h1")
    first_card = panel[panel.index('class="result result--') :][:60]
    assert "result--incorrect" in first_card


# --- the order the host chose ---------------------------------------------------------------


def test_scenarios_play_in_the_order_the_host_numbered(app, host):
    page = host.client.get("/host/").get_data(as_text=True)
    assert f'name="order-{COURSE}"' in page
    response = host.client.post(
        "/host/",
        data={
            "csrf_token": csrf_of(page),
            "scenario": [COURSE, SECOND],
            f"order-{COURSE}": "2",
            f"order-{SECOND}": "1",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        cs = _db.session.query(ClassSession).one()
        assert [s.scenario_slug for s in cs.scenarios] == [SECOND, COURSE]
