"""Practice and assessment modes: attempt limits per learner and when feedback is shown."""

from __future__ import annotations

import pytest

from tests.conftest import AuthActions, count_rows, make_user
from tests.helpers.modes import attempt, exam_folder
from tests.learn_helpers import filled_form
from webapp.models import Attempt

EXPLANATION_SNIPPET = "When Oracle runs on an EC2 instance"  # a rule text shown as feedback


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    return exam_folder(tmp_path_factory.mktemp("scenarios"), "exam-after-last", "exam-after-pass")


@pytest.fixture
def app_config(scenario_dir):
    return {"SRM_SCENARIOS_DIR": str(scenario_dir)}


def sign_in(client, app, email="player@example.org"):
    """Feedback of a gated assessment opens to a signed-in account only (anonymous learners
    see their score only: tests/test_assessment_feedback_gates.py)."""
    make_user(app, email)
    assert AuthActions(client).login(email).status_code in (302, 303)


def test_assessment_withholds_feedback_until_the_last_attempt(client, app):
    sign_in(client, app)
    board = client.get("/scenarios/exam-after-last").get_data(as_text=True)
    assert "Attempts: 0 of 2 used · 2 left." in board
    assert "you have 2 attempts" in board
    first = attempt(client, app, "exam-after-last", wrong=4)
    assert first.status_code == 303
    html = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "75%" in html
    assert "Feedback is held back" in html
    assert "Expected</dt>" not in html
    assert EXPLANATION_SNIPPET not in html
    assert "What changes on" not in html
    assert client.get(first.headers["Location"] + "/what-if/oracle-on-rds").status_code == 403

    second = attempt(client, app, "exam-after-last", wrong=2)
    html = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Expected</dt>" in html
    assert "To look at again (2)" in html
    assert "Try again</a>" not in html  # no attempts left
    earlier = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "To look at again (4)" in earlier  # every attempt opens up after the last one


def test_the_attempt_limit_is_enforced_per_learner(client, app):
    stale = filled_form(client, app, "exam-after-last")  # a board left open in another tab
    attempt(client, app, "exam-after-last")
    attempt(client, app, "exam-after-last")
    board = client.get("/scenarios/exam-after-last")
    assert "No attempts left" in board.get_data(as_text=True)
    assert 'name="answer-' not in board.get_data(as_text=True)
    refused = client.post("/scenarios/exam-after-last", data=stale)
    assert refused.status_code == 403
    api = client.post("/api/v1/scenarios/exam-after-last/grade", json={"answers": {}})
    assert api.status_code == 403
    assert count_rows(app, Attempt) == 2
    other = app.test_client()  # another learner starts with a full allowance
    assert attempt(other, app, "exam-after-last").status_code == 303


def test_after_pass_shows_feedback_once_the_learner_passes(client, app):
    sign_in(client, app)
    failing = attempt(client, app, "exam-after-pass", wrong=3)
    assert "Feedback is held back" in client.get(failing.headers["Location"]).get_data(as_text=True)
    api = client.post("/api/v1/scenarios/exam-after-pass/grade", json={"answers": {}})
    assert api.status_code == 200
    body = api.get_json()
    assert body["results"] == []
    assert body["feedback_withheld"] is True
    passing = attempt(client, app, "exam-after-pass", wrong=1)
    html = client.get(passing.headers["Location"]).get_data(as_text=True)
    assert "94%" in html
    assert "Expected</dt>" in html
    assert "What changes on Oracle on Amazon RDS?" in html
