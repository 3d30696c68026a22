"""Assessment feedback is decided by who is looking, and a fresh browser resets nothing.

Anonymous learners never see the expected parties, reasons or sources of an assessment that
holds feedback back (after-last, after-pass): the score only, every attempt. A signed-in
account counts its attempts per account. The scenario's instructors (here: admins, as the
scenarios are built in) may read any attempt. Practice and `feedback: always` stay open.
"""

from __future__ import annotations

import pytest

from tests.conftest import AuthActions, make_user
from tests.helpers.leaks import board_attempt, key_leaks, readable
from tests.helpers.modes import exam_folder

VARIANT = "oracle-on-ec2"
PRACTICE = "s3-vpc-ec2-oracle"


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    return exam_folder(folder, "exam-after-last", "exam-after-pass", "exam-always", course=True)


@pytest.fixture
def app_config(scenario_dir):
    return {"SRM_SCENARIOS_DIR": str(scenario_dir)}


def grade_blank(client, slug: str):
    return client.post(f"/api/v1/scenarios/{slug}/grade", json={"answers": {}})


def every_view(client, attempt_id: str) -> list:
    return [
        client.get(f"/api/v1/attempts/{attempt_id}"),
        client.get(f"/attempts/{attempt_id}"),
        client.get(f"/attempts/{attempt_id}/what-if/oracle-on-rds"),
    ]


def signed_in(app, email: str, role: str = "instructor"):
    make_user(app, email, role)
    client = app.test_client()
    assert AuthActions(client).login(email).status_code in (302, 303)
    return client


def test_two_blank_attempts_from_a_fresh_browser_never_return_the_key(app):
    fresh = app.test_client()
    first, second = grade_blank(fresh, "exam-after-last"), grade_blank(fresh, "exam-after-last")
    assert (first.status_code, second.status_code) == (200, 200)
    for response in (first, second):
        body = response.get_json()
        assert body["results"] == []
        assert body["feedback_withheld"] is True
        assert body["score"] == 0.0
        assert key_leaks(app, response, "exam-after-last") == 0
    assert grade_blank(fresh, "exam-after-last").status_code == 403  # the limit still holds
    for view in every_view(fresh, second.get_json()["attempt_id"]):
        assert key_leaks(app, view, "exam-after-last") == 0
    result, what_if = every_view(fresh, second.get_json()["attempt_id"])[1:]
    assert result.status_code == 200
    assert "Feedback is held back in this assessment" in (readable(result))
    assert "Expected" not in readable(result)
    assert "What changes on" not in readable(result)
    assert what_if.status_code == 403


def test_an_anonymous_pass_still_shows_the_score_only(app, client):
    attempt_id = board_attempt(client, app, "exam-after-pass")  # every card right: a pass
    page = client.get(f"/attempts/{attempt_id}")
    assert "100%" in readable(page)
    assert "Feedback is held back" in readable(page)
    for view in every_view(client, attempt_id):
        assert key_leaks(app, view, "exam-after-pass") == 0
    api = grade_blank(client, "exam-after-pass")
    assert api.get_json()["results"] == []
    assert key_leaks(app, api, "exam-after-pass") == 0


def test_an_account_counts_its_attempts_and_a_fresh_browser_resets_nothing(app):
    player = signed_in(app, "player@example.org")
    first = board_attempt(player, app, "exam-after-last", wrong=4)
    assert all(key_leaks(app, v, "exam-after-last") == 0 for v in every_view(player, first))
    # the same account in another browser: one attempt left, not two
    elsewhere = app.test_client()
    assert AuthActions(elsewhere).login("player@example.org").status_code in (302, 303)
    board = readable(elsewhere.get("/scenarios/exam-after-last"))
    assert "Attempts: 1 of 2 used · 1 left." in board
    last = board_attempt(elsewhere, app, "exam-after-last", wrong=2)
    assert "No attempts left" in readable(player.get("/scenarios/exam-after-last"))
    # feedback opens for the account, on every attempt, in either browser
    for viewer, attempt_id in ((elsewhere, last), (player, first)):
        result = viewer.get(f"/attempts/{attempt_id}")
        assert key_leaks(app, result, "exam-after-last") > 0
        assert "Expected" in readable(result)


def test_a_stranger_sees_no_feedback_of_someone_elses_attempt(app):
    player = signed_in(app, "player@example.org")
    board_attempt(player, app, "exam-after-last", wrong=4)
    attempt_id = board_attempt(player, app, "exam-after-last", wrong=2)
    assert key_leaks(app, player.get(f"/api/v1/attempts/{attempt_id}"), "exam-after-last")
    stranger = app.test_client()
    api, page, what_if = every_view(stranger, attempt_id)
    assert api.status_code == 200
    assert api.get_json()["results"] == []
    assert api.get_json()["feedback_withheld"] is True
    assert page.status_code == 200
    assert "Feedback is held back" in readable(page)
    assert what_if.status_code == 403
    for view in (api, page, what_if):
        assert key_leaks(app, view, "exam-after-last") == 0
    colleague = signed_in(app, "colleague@example.org")  # an instructor, not the author
    assert key_leaks(app, colleague.get(f"/api/v1/attempts/{attempt_id}"), "exam-after-last") == 0


def test_an_admin_reads_the_feedback_of_an_anonymous_attempt(app, client):
    attempt_id = grade_blank(client, "exam-after-last").get_json()["attempt_id"]
    admin = signed_in(app, "admin@example.org", "admin")
    api, page, what_if = every_view(admin, attempt_id)
    assert key_leaks(app, api, "exam-after-last") > 0
    assert len(api.get_json()["results"]) > 4
    assert "Expected" in readable(page)
    assert what_if.status_code == 200


@pytest.mark.parametrize("slug", [PRACTICE, "exam-always"])
def test_practice_and_always_stay_open_to_anyone_holding_the_address(app, client, slug):
    response = grade_blank(client, slug)
    assert key_leaks(app, response, slug) > 0
    attempt_id = response.get_json()["attempt_id"]
    stranger = app.test_client()
    api, page, what_if = every_view(stranger, attempt_id)
    assert key_leaks(app, api, slug) > 0
    assert "Expected" in readable(page)
    assert what_if.status_code == 200


def test_the_author_reads_the_feedback_of_their_assessment_and_no_other_instructor(app):
    from tests.author_helpers import THREE_PART, create_scenario, save
    from tests.author_helpers import signed_in as author_signed_in

    author, auth = author_signed_in(app, "author@example.org")
    slug = create_scenario(author, auth)
    doc = {
        **THREE_PART,
        "settings": {"mode": "assessment", "max_attempts": 2, "feedback": "after-last"},
    }
    assert save(author, auth, slug, doc, action="publish").status_code in (200, 302, 303)
    learner = app.test_client()
    graded = grade_blank(learner, slug)
    assert graded.status_code == 200
    assert graded.get_json()["results"] == []
    attempt_id = graded.get_json()["attempt_id"]
    own = author.get(f"/api/v1/attempts/{attempt_id}").get_json()
    explanations = {r["explanation"] for r in own["results"]}
    assert len(own["results"]) == len(THREE_PART["tasks"])
    assert all(explanations)
    colleague = signed_in(app, "colleague@example.org")
    for viewer in (colleague, learner):
        seen = readable(viewer.get(f"/api/v1/attempts/{attempt_id}"))
        assert not any(text in seen for text in explanations)
