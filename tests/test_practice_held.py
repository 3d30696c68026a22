"""A placement's result reaches the learner's practice history (/progress, the API, the
rounds dealt from it) only once they may see that attempt's feedback: an assessment that
holds feedback back, or a class before the host reveals, tells nobody early which of their
placements were right."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import AuthActions, make_user
from tests.helpers.classroom import Host, answer, join, key_for
from tests.helpers.keys import flip
from tests.helpers.modes import exam_folder
from webapp.extensions import db
from webapp.models import PracticeReview

PROGRESS = "/api/v1/progress"
VARIANT = "oracle-on-ec2"


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    return exam_folder(folder, "exam-after-last", "exam-always", course=True)


@pytest.fixture
def app_config(scenario_dir):
    return {"SRM_SCENARIOS_DIR": str(scenario_dir)}


def _wrong_answers(app, slug: str) -> dict[str, str]:
    """Half the cards wrong: a score under any pass mark, so feedback stays held."""
    key = key_for(app, slug, VARIANT)
    for task in list(key)[::2]:
        key = flip(key, task)
    return key


def _grade(client, app, slug: str):
    body = {"variant": VARIANT, "answers": _wrong_answers(app, slug)}
    response = client.post(f"/api/v1/scenarios/{slug}/grade", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _pairs(client) -> list[dict]:
    response = client.get(PROGRESS)
    assert response.status_code == 200
    return response.get_json()["pairs"]


def _held(app) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count()).where(PracticeReview.pending, PracticeReview.held)
        ).scalar_one()


def test_an_assessment_that_holds_feedback_keeps_its_results_out_of_progress(app):
    learner = app.test_client()
    graded = _grade(learner, app, "exam-after-last")
    assert graded["feedback_withheld"] is True
    assert _pairs(learner) == []  # nothing says which placements were wrong
    assert learner.post("/api/v1/practice/rounds", json={"size": 10}).status_code == 201
    assert _pairs(learner) == []  # dealing folded none of them either
    assert _held(app) > 0
    # the same placements in an assessment that always shows feedback reach progress at once
    _grade(learner, app, "exam-always")
    assert any(p["last_result"] == "incorrect" for p in _pairs(learner))


def test_the_held_results_join_the_history_once_the_account_may_see_the_feedback(app):
    make_user(app, "learner@example.org", "instructor")  # an account, not the author
    client = app.test_client()
    assert AuthActions(client).login("learner@example.org").status_code in (302, 303)
    first = _grade(client, app, "exam-after-last")
    assert first["feedback_withheld"] is True
    assert _pairs(client) == []
    last = _grade(client, app, "exam-after-last")  # the last attempt: feedback is shown
    assert "feedback_withheld" not in last
    assert last["results"]
    pairs = _pairs(client)
    assert any(p["last_result"] == "incorrect" for p in pairs)
    assert max(p["reviews"] for p in pairs) >= 2  # both attempts' reviews, folded in order
    assert _held(app) == 0


def test_a_class_answer_set_reaches_progress_only_after_the_reveal(app):
    host = Host(app, "host@example.org")
    code = host.create([{"id": "s3-vpc-ec2-oracle", "variant": VARIANT}])
    learner, token = join(app, code, "Ada")
    learner.get("/practice")  # this browser practises too: its history is the owner
    host.act(code, "open")
    wrong = _wrong_answers(app, "s3-vpc-ec2-oracle")
    assert answer(learner, code, token, wrong).status_code == 201
    assert _pairs(learner) == []
    host.act(code, "close")
    assert _pairs(learner) == []  # closed, not revealed: still hidden
    host.act(code, "reveal")
    assert any(p["last_result"] == "incorrect" for p in _pairs(learner))
