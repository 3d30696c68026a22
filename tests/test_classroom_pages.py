"""Class session pages: host console, join and play, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from tests.conftest import count_rows, csrf_token_from
from tests.helpers.classroom import API, COURSE, SECOND, Host, join, key_for
from tests.helpers.csrf import meta_csrf as csrf_of
from webapp.domain import grade
from webapp.extensions import db as _db
from webapp.models import Attempt, ClassSession, Participant
from webapp.services import content

# --- who may see what -------------------------------------------------------------------

ROLES = ("anonymous", "learner", "other", "host", "admin")
HOST_PAGES = (
    "/host/{code}",
    "/host/{code}/panel",
    "/host/{code}/report",
    "/host/{code}/present",
    "/host/{code}/present/panel",
)


@pytest.mark.parametrize("path", HOST_PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("learner", 302), ("other", 403), ("host", 200), ("admin", 200)],
)
def test_host_pages_by_role(app, host, path, role, status):
    code = host.create()
    clients = {
        "anonymous": app.test_client(),
        "learner": join(app, code, "Ada")[0],
        "host": host.client,
    }
    if role == "other":
        clients[role] = Host(app, "other@example.org").client
    if role == "admin":
        clients[role] = Host(app, "admin@example.org", role="admin").client
    response = clients[role].get(path.format(code=code))
    assert response.status_code == status
    if status == 302:
        assert "/auth/login" in response.headers["Location"]


def test_host_pages_of_an_unknown_code_are_404(host):
    assert host.client.get("/host/NOPE23").status_code == 404


def test_learner_pages_need_no_account(app, host):
    code = host.create()
    visitor = app.test_client()
    assert visitor.get("/join").status_code == 200
    response = visitor.get(f"/play/{code}")
    assert response.status_code == 302
    assert f"/join?code={code}" in response.headers["Location"]
    assert visitor.get("/play/NOPE23").status_code == 404


# --- host console -----------------------------------------------------------------------


def test_start_a_session_from_the_form(app, host):
    page = host.client.get("/host/").get_data(as_text=True)
    assert "Start a session" in page
    assert f'value="{COURSE}"' in page
    response = host.client.post(
        "/host/",
        data={
            "csrf_token": csrf_of(page),
            "scenario": [COURSE, SECOND],
            f"variant-{COURSE}": "oracle-on-rds",
            "feedback": "immediate",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        cs = _db.session.query(ClassSession).one()
        assert response.headers["Location"].endswith(f"/host/{cs.code}")
        assert [(s.scenario_slug, s.variant) for s in cs.scenarios][0] == (COURSE, "oracle-on-rds")
        assert cs.feedback_after_reveal is False


def test_start_form_without_a_scenario_says_so(app, host):
    page = host.client.get("/host/").get_data(as_text=True)
    response = host.client.post(
        "/host/", data={"csrf_token": csrf_of(page), "feedback": "after-reveal"}
    )
    assert response.status_code == 400
    assert "choose at least one scenario" in response.get_data(as_text=True)
    assert count_rows(app, ClassSession) == 0


def test_console_shows_code_join_url_and_a_server_side_qr_code(app, host):
    code = host.create()
    page = host.client.get(f"/host/{code}").get_data(as_text=True)
    assert code in page
    assert f"/join?code={code}" in page
    assert re.search(r"<svg[^>]*class=\"qr-code\"", page)
    assert f"QR code for joining session {code}" in page
    assert "Open answering" in page
    assert "Close answering" not in page


def test_console_panel_answers_304_when_nothing_changed(app, host):
    code = host.create()
    first = host.client.get(f"/host/{code}/panel")
    etag = first.headers["ETag"]
    assert (
        host.client.get(f"/host/{code}/panel", headers={"If-None-Match": etag}).status_code == 304
    )
    join(app, code, "Ada")
    changed = host.client.get(f"/host/{code}/panel", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Ada" in changed.get_data(as_text=True)


def test_console_buttons_work_without_javascript(app, host):
    code = host.create()
    page = host.client.get(f"/host/{code}").get_data(as_text=True)
    token = csrf_of(page)
    response = host.client.post(f"/host/{code}/action/open", data={"csrf_token": token})
    assert response.status_code == 302
    refused = host.client.post(
        f"/host/{code}/action/next", data={"csrf_token": token}, follow_redirects=True
    )
    assert "This is the last scenario" in refused.get_data(as_text=True)
    host.client.post(f"/host/{code}/action/reveal", data={"csrf_token": token})
    refused = host.client.post(
        f"/host/{code}/action/close", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Cannot close answering now: the session is revealed" in refused.get_data(as_text=True)
    host.client.post(f"/host/{code}/leaderboard", data={"csrf_token": token, "show": "1"})
    _, _ = join(app, code, "Ada")
    with app.app_context():
        pid = _db.session.query(Participant).one().id
    host.client.post(f"/host/{code}/remove/{pid}", data={"csrf_token": token})
    with app.app_context():
        cs = _db.session.query(ClassSession).one()
        assert (cs.phase, cs.show_leaderboard) == ("revealed", True)
        assert _db.session.query(Participant).one().removed
    assert host.client.post(f"/host/{code}/action/end").status_code == 400  # no token
    with app.app_context():
        assert _db.session.query(ClassSession).one().phase == "revealed"


def test_other_instructors_cannot_press_the_buttons(app, host):
    code = host.create()
    other = Host(app, "other@example.org")
    token = csrf_token_from(other.client, "/host/")
    response = other.client.post(f"/host/{code}/action/open", data={"csrf_token": token})
    assert response.status_code == 403
    with app.app_context():
        assert _db.session.query(ClassSession).one().phase == "lobby"


def test_report_page_lists_participants_and_tasks(app, host):
    code = host.create()
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    learner.post(
        f"{API}/{code}/answers",
        json={"participant_token": token, "scenario_id": COURSE, "answers": key_for(app)},
    )
    host.act(code, "reveal", "end")
    page = host.client.get(f"/host/{code}/report").get_data(as_text=True)
    assert "Ada" in page and "16 of 16" in page.replace("\n", " ") or "(100%)" in page
    assert "format=csv" in page
    assert "table=tasks" in page


# --- joining and playing ----------------------------------------------------------------


def test_join_form_sets_the_cookie_and_opens_the_play_page(app, host):
    code = host.create()
    learner = app.test_client()
    page = learner.get(f"/join?code={code.lower()}").get_data(as_text=True)
    assert f'value="{code}"' in page
    response = learner.post(
        "/join", data={"csrf_token": csrf_of(page), "code": code, "nickname": "Ada"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/play/{code}")
    play = learner.get(f"/play/{code}").get_data(as_text=True)
    assert "You are in" in play
    assert "Ada" in play


@pytest.mark.parametrize(
    ("code", "nickname", "message"),
    [
        ("NOPE23", "Bea", "No class session has this code."),
        (None, "ada", "The nickname &#39;ada&#39; is taken in this session."),
        (None, "Bea<3", "Use letters, digits, spaces"),
        (None, "", "Enter a nickname."),
    ],
)
def test_join_form_errors_sit_next_to_their_field(app, host, code, nickname, message):
    real = host.create()
    join(app, real, "Ada")
    learner = app.test_client()
    page = learner.get("/join").get_data(as_text=True)
    response = learner.post(
        "/join", data={"csrf_token": csrf_of(page), "code": code or real, "nickname": nickname}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert count_rows(app, Participant) == 1


def test_join_form_for_an_ended_session(app, host):
    code = host.create()
    host.act(code, "end")
    learner = app.test_client()
    page = learner.get("/join").get_data(as_text=True)
    response = learner.post(
        "/join", data={"csrf_token": csrf_of(page), "code": code, "nickname": "Ada"}
    )
    assert response.status_code == 400
    assert "has ended" in response.get_data(as_text=True)


def test_play_page_never_carries_the_answer_key_before_reveal(app, host):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    host.act(code, "open")
    html = learner.get(f"/play/{code}").get_data(as_text=True)
    assert "Send answers" in html
    assert 'data-module="board"' in html
    with app.app_context():
        scenario = content.content().library.get(COURSE)
        report = grade(scenario, "oracle-on-ec2", content.rules(), {})
    for result in report.results:
        assert str(escape(result.text)) in html
        assert str(escape(result.explanation)) not in html
    assert "Expected" not in html
    assert "expected" not in html.lower().replace("unexpected", "")


def test_play_without_javascript_from_board_to_feedback(app, host):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    host.act(code, "open")
    page = learner.get(f"/play/{code}").get_data(as_text=True)
    key = key_for(app)
    data = {"csrf_token": csrf_of(page), "scenario_id": COURSE}
    data.update({f"answer-{task}": party for task, party in key.items()})
    response = learner.post(f"/play/{code}", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Your answers are in" in html
    assert "Send answers" not in html
    assert count_rows(app, Attempt) == 1
    again = learner.post(f"/play/{code}", data=data, follow_redirects=True)
    assert "already answered" in again.get_data(as_text=True)
    assert count_rows(app, Attempt) == 1
    host.act(code, "reveal")
    panel = learner.get(f"/play/{code}/panel").get_data(as_text=True)
    assert f"{len(key)} of {len(key)}" in panel
    assert "Expected" in panel


def test_a_learner_who_sent_nothing_sees_the_key_after_reveal(app, host):
    code = host.create()
    learner, _ = join(app, code, "Ada")
    host.act(code, "open", "reveal")
    panel = learner.get(f"/play/{code}/panel").get_data(as_text=True)
    assert "did not send answers" in panel
    assert "Who owns each task" in panel
    assert 'data-screen="revealed:0:0"' in panel


def test_removed_learner_is_told_and_the_session_end_shows_results(app, host):
    code = host.create()
    ada, _ = join(app, code, "Ada")
    bea, tb = join(app, code, "Bea")
    with app.app_context():
        pid = _db.session.query(Participant).filter_by(nickname="Ada").one().id
    host.post(f"{API}/{code}/participants/{pid}/remove")
    assert "You are not in this session" in ada.get(f"/play/{code}/panel").get_data(as_text=True)
    host.act(code, "open")
    bea.post(
        f"{API}/{code}/answers",
        json={"participant_token": tb, "scenario_id": COURSE, "answers": key_for(app)},
    )
    host.act(code, "end")
    html = bea.get(f"/play/{code}").get_data(as_text=True)
    assert "Thanks for taking part" in html
    assert "16 of 16 right" in html


def test_host_actions_come_from_the_transition_table(app, host):
    """The routes, the buttons' labels and what host.js announces all derive from one table."""
    import json
    from html import unescape

    from webapp.domain.phases import Phase
    from webapp.services.classroom import sessions

    assert tuple(sessions.TRANSITIONS) == sessions.HOST_ACTIONS
    patterns = [r.rule for r in app.url_map.iter_rules() if r.endpoint.endswith("host_action")]
    assert len(patterns) == 2
    for rule in patterns:
        assert f"any({','.join(sessions.HOST_ACTIONS)})" in rule
    assert all(isinstance(t.target, Phase) for t in sessions.TRANSITIONS.values())
    code = host.create()
    page = host.client.get(f"/host/{code}").get_data(as_text=True)
    done = re.search(r'data-pace-done="([^"]+)"', page).group(1)
    assert json.loads(unescape(done)) == {a: t.done for a, t in sessions.TRANSITIONS.items()}
    assert sessions.TRANSITIONS["open"].label in page  # the lobby offers "Open answering"
