"""The answer key in a class: shown only when the viewer may see it, in every phase and mode.

Each check reads what a learner's browser gets (the play page, its panel, the panel of a
changed answer set, the learner's own JSON and the room's state) and looks for the rule
explanations and source URLs of the scenario's tasks, not just for a field name.
"""

from __future__ import annotations

import json
from html import unescape

import pytest

from tests.conftest import csrf_token_from
from tests.helpers.classroom import API, COURSE, SECOND, answer, join, key_for
from tests.helpers.keys import flip
from tests.helpers.leaks import VARIANT, key_texts, leaked, readable
from webapp.extensions import db as _db
from webapp.models import Attempt, ClassSession
from webapp.services import content


def learner_views(learner, code: str, scenario_id: str = COURSE) -> dict[str, str]:
    """Everything a learner's browser can fetch about the session now (of the learner's own
    JSON, the entry of this scenario: scenarios of one session share rules)."""
    views = {
        url: readable(learner.get(url))
        for url in (
            f"/play/{code}",
            f"/play/{code}/panel",
            f"/play/{code}/panel?again=1",
            f"/play/{code}?again=1",
            f"{API}/{code}/state",
        )
    }
    me = learner.get(f"{API}/{code}/me").get_json()
    views[f"{API}/{code}/me"] = json.dumps(
        [s for s in me["scenarios"] if s["scenario_id"] == scenario_id], ensure_ascii=False
    )
    return views


def assert_no_key(app, learner, code, scenario_id=COURSE, variant=VARIANT):
    views = learner_views(learner, code, scenario_id)
    assert leaked(app, views, scenario_id, variant) == {}
    assert '"expected"' not in views[f"{API}/{code}/me"]
    assert "Expected" not in views[f"/play/{code}/panel"]
    return views


def assert_key_shown(app, learner, code, scenario_id=COURSE, variant=VARIANT):
    views = learner_views(learner, code, scenario_id)
    panel = views[f"/play/{code}/panel"]
    assert leaked(app, {"panel": panel}, scenario_id, variant) == {
        "panel": len(key_texts(app, scenario_id, variant))
    }
    return views


def _flip(key: dict[str, str]) -> dict[str, str]:
    """The key with its first card placed wrongly."""
    return flip(key, next(iter(key)))


# --- immediate feedback -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("actions", "screen"),
    [
        ((), "The host will open the cards"),  # the lobby
        (("open",), "Send answers"),  # answering open, nothing sent yet
    ],
)
def test_immediate_before_sending_shows_no_key(app, host, actions, screen):
    code = host.create(feedback="immediate", answer_sets=2)
    ada, _ = join(app, code, "Ada")
    host.act(code, *actions)
    views = assert_no_key(app, ada, code)
    assert screen in views[f"/play/{code}/panel"]


def test_immediate_after_sending_with_sets_left_holds_the_key_back(app, host):
    code = host.create(feedback="immediate", answer_sets=2)
    ada, token = join(app, code, "Ada")
    host.act(code, "open")
    sent = answer(ada, code, token, _flip(key_for(app)))
    assert sent.status_code == 201
    assert leaked(app, {"answers": readable(sent)}) == {}
    body = sent.get_json()
    assert body["score"] is None
    assert "expected" not in json.dumps(body)
    views = assert_no_key(app, ada, code)
    panel = views[f"/play/{code}/panel"]
    assert "Your answers are in" in panel
    assert "Change your answers" in panel
    assert "until you send your last answer set" in panel


def test_immediate_after_sending_the_last_set_shows_own_feedback(app, host):
    code = host.create(feedback="immediate", answer_sets=2)
    ada, token = join(app, code, "Ada")
    host.act(code, "open")
    assert answer(ada, code, token, _flip(key_for(app))).status_code == 201
    last = answer(ada, code, token, key_for(app))
    assert last.status_code == 201
    assert last.get_json()["feedback"] == "shown"
    assert len(leaked(app, {"answers": readable(last)})) == 1
    views = assert_key_shown(app, ada, code)
    assert "Change your answers" not in views[f"/play/{code}/panel"]


def test_immediate_after_close_a_learner_who_sent_nothing_sees_no_key(app, host):
    code = host.create(feedback="immediate")
    ada, token = join(app, code, "Ada")
    bea, _ = join(app, code, "Bea")
    host.act(code, "open")
    assert answer(ada, code, token, key_for(app)).status_code == 201
    host.act(code, "close")
    views = assert_no_key(app, bea, code)
    assert "You did not send answers" in views[f"/play/{code}/panel"]
    assert_key_shown(app, ada, code)  # her own sent answers, with feedback straight away


def test_immediate_closed_with_sets_left_holds_back_and_may_reopen(app, host):
    code = host.create(feedback="immediate", answer_sets=2)
    ada, token = join(app, code, "Ada")
    host.act(code, "open")
    assert answer(ada, code, token, _flip(key_for(app))).status_code == 201
    host.act(code, "close")
    views = assert_no_key(app, ada, code)  # answering may open again: she could still answer
    assert "Answering may open again" in views[f"/play/{code}/panel"]
    assert host.post(f"{API}/{code}/open").status_code == 200  # nobody has seen the key


def test_reopen_is_refused_once_a_learner_has_seen_the_key(app, host):
    code = host.create(feedback="immediate", answer_sets=2)
    ada, ta = join(app, code, "Ada")
    bea, tb = join(app, code, "Bea")
    host.act(code, "open")
    assert answer(ada, code, ta, key_for(app)).status_code == 201
    assert answer(ada, code, ta, key_for(app)).status_code == 201  # her last set: key shown
    assert answer(bea, code, tb, _flip(key_for(app))).status_code == 201  # one set left
    host.act(code, "close")
    panel = host.client.get(f"/host/{code}/panel").get_data(as_text=True)
    assert "Open answering" not in panel
    assert "cannot open again" in panel
    refused = host.post(f"{API}/{code}/open")
    assert refused.status_code == 409
    body = refused.get_json()
    assert "seen the answers" in body["error"]
    assert body["details"]
    with app.app_context():
        assert _db.session.query(ClassSession).one().phase == "closed"
    token = csrf_token_from(host.client, f"/host/{code}")
    plain = host.client.post(
        f"/host/{code}/action/open", data={"csrf_token": token}, follow_redirects=True
    )
    assert "seen the answers" in unescape(plain.get_data(as_text=True))
    with app.app_context():
        assert _db.session.query(ClassSession).one().phase == "closed"
    # Bea could still send a set if answering opened again; it cannot, so hers is final
    assert_key_shown(app, bea, code)


def test_immediate_after_next_the_new_scenario_shows_no_key(app, host):
    code = host.create(scenarios=[COURSE, SECOND], feedback="immediate")
    ada, token = join(app, code, "Ada")
    bea, _ = join(app, code, "Bea")
    host.act(code, "open")
    assert answer(ada, code, token, key_for(app)).status_code == 201
    host.act(code, "close", "next")
    for learner in (ada, bea):
        assert_no_key(app, learner, code, SECOND, None)
    # the scenario left behind: Ada keeps her own feedback, Bea (nothing sent) gets no key
    me = ada.get(f"{API}/{code}/me").get_json()
    assert me["scenarios"][0]["result"]["feedback"] == "shown"
    assert leaked(app, {"me": readable(bea.get(f"{API}/{code}/me"))}) == {}


def test_immediate_after_reveal_everyone_sees_the_key(app, host):
    code = host.create(feedback="immediate", answer_sets=2)
    ada, token = join(app, code, "Ada")
    bea, _ = join(app, code, "Bea")
    host.act(code, "open")
    assert answer(ada, code, token, _flip(key_for(app))).status_code == 201
    host.act(code, "reveal")
    assert_key_shown(app, ada, code)
    views = assert_key_shown(app, bea, code)
    assert "Who owns each task" in views[f"/play/{code}/panel"]


# --- feedback after the reveal (the default) ----------------------------------------------


def test_after_reveal_no_key_in_any_phase_before_the_reveal(app, host):
    code = host.create(answer_sets=2)
    ada, token = join(app, code, "Ada")
    bea, _ = join(app, code, "Bea")
    assert_no_key(app, ada, code)  # lobby
    host.act(code, "open")
    assert_no_key(app, ada, code)  # open, nothing sent
    sent = answer(ada, code, token, key_for(app))
    assert leaked(app, {"answers": readable(sent)}) == {}
    assert_no_key(app, ada, code)  # one set sent, one left
    assert answer(ada, code, token, key_for(app)).status_code == 201
    views = assert_no_key(app, ada, code)  # every set sent
    assert "when the host reveals them" in views[f"/play/{code}/panel"]
    host.act(code, "close")
    for learner in (ada, bea):
        assert_no_key(app, learner, code)  # closed
    host.act(code, "reveal")
    assert_key_shown(app, ada, code)
    assert_key_shown(app, bea, code)


def test_after_reveal_moving_on_without_revealing_keeps_the_key(app, host):
    code = host.create(scenarios=[COURSE, SECOND])
    ada, token = join(app, code, "Ada")
    host.act(code, "open")
    assert answer(ada, code, token, key_for(app)).status_code == 201
    host.act(code, "close", "next")
    assert_no_key(app, ada, code)  # COURSE never revealed
    assert_no_key(app, ada, code, SECOND, None)  # SECOND's lobby
    host.act(code, "open", "reveal", "end")
    views = learner_views(ada, code)  # SECOND revealed: its key may share COURSE's rules
    me = json.loads(views[f"{API}/{code}/me"])[0]
    assert me["result"]["feedback"] == "after-reveal"
    assert '"expected"' not in json.dumps(me)
    assert "did not reveal" in me["note"]
    panel = views[f"/play/{code}/panel"]
    with app.app_context():
        title = content.content().library.get(COURSE).title
    assert f"Feedback for {title}" not in panel
    assert "did not reveal" in panel
    assert f"{len(key_for(app))} of {len(key_for(app))} right" in panel  # the score stays


def test_a_revealed_scenario_stays_open_to_the_room_after_next_and_end(app, host):
    code = host.create(scenarios=[COURSE, SECOND])
    ada, token = join(app, code, "Ada")
    host.act(code, "open")
    assert answer(ada, code, token, key_for(app)).status_code == 201
    host.act(code, "reveal", "next", "end")
    assert_key_shown(app, ada, code)


# --- who is looking -----------------------------------------------------------------------


def _attempt_id(app) -> str:
    with app.app_context():
        return _db.session.query(Attempt).one().id


def test_a_stranger_never_sees_a_class_answer_even_after_the_reveal(app, host):
    code = host.create()
    ada, token = join(app, code, "Ada")
    host.act(code, "open")
    assert answer(ada, code, token, key_for(app)).status_code == 201
    host.act(code, "reveal")
    attempt_id = _attempt_id(app)
    stranger = app.test_client()
    body = stranger.get(f"/api/v1/attempts/{attempt_id}")
    assert body.status_code == 200
    assert body.get_json()["results"] == []
    assert leaked(app, {"api": readable(body)}) == {}
    assert stranger.get(f"/attempts/{attempt_id}").status_code == 403
    assert stranger.get(f"/attempts/{attempt_id}/what-if/oracle-on-rds").status_code == 403
    own = ada.get(f"/api/v1/attempts/{attempt_id}")
    assert len(leaked(app, {"api": readable(own)})) == 1
    hosted = host.client.get(f"/api/v1/attempts/{attempt_id}")
    assert len(leaked(app, {"api": readable(hosted)})) == 1


def test_the_host_sees_the_key_on_the_dashboard_and_report_before_the_reveal(app, host):
    code = host.create()
    ada, token = join(app, code, "Ada")
    host.act(code, "open")
    assert answer(ada, code, token, key_for(app)).status_code == 201
    open_dash = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert all(t["expected"] is None for t in open_dash["tasks"])  # may be projected
    host.act(code, "close")
    dash = host.client.get(f"{API}/{code}/dashboard").get_json()
    assert dash["tasks"]
    assert all(t["expected"] for t in dash["tasks"])
    report = host.client.get(f"{API}/{code}/report").get_json()
    assert all(t["expected"] for t in report["tasks"])
    assert_no_key(app, ada, code)
