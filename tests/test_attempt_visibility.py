"""GET /api/v1/attempts/<id> holds feedback back exactly where the pages do."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers.classroom import Host, answer, join, key_for
from tests.helpers.modes import attempt, exam_folder
from webapp.extensions import db
from webapp.models import Attempt


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    return exam_folder(tmp_path_factory.mktemp("scenarios"), "exam-after-last", course=True)


@pytest.fixture
def app_config(scenario_dir):
    return {"SRM_SCENARIOS_DIR": str(scenario_dir)}


def attempt_ids(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(Attempt.id).order_by(Attempt.created_at)).scalars())


def test_anonymous_assessment_attempt_shows_the_score_only_even_after_the_last(app, client):
    first = attempt(client, app, "exam-after-last", wrong=4)  # 75%: not a pass
    attempt_id = first.headers["Location"].rsplit("/", 1)[-1]
    held = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert held["feedback_withheld"] is True
    assert held["results"] == []
    assert held["score"] is not None  # the score is not withheld in an assessment
    assert "expected" not in client.get(f"/api/v1/attempts/{attempt_id}").get_data(as_text=True)
    attempt(client, app, "exam-after-last", wrong=1)  # the last attempt: a new browser would
    still = client.get(f"/api/v1/attempts/{attempt_id}").get_json()  # get two more
    assert still["feedback_withheld"] is True
    assert still["results"] == []
    assert "Feedback is held back" in still["note"]


def test_class_answer_is_hidden_until_the_host_reveals(app):
    host = Host(app, "host@example.org")
    code = host.create()
    learner, token = join(app, code, "Ada")
    host.act(code, "open")
    assert answer(learner, code, token, key_for(app)).status_code == 201
    (attempt_id,) = attempt_ids(app)
    held = learner.get(f"/api/v1/attempts/{attempt_id}")
    assert held.status_code == 200
    body = held.get_json()
    assert body["results"] == []
    assert body["score"] is None
    assert body["feedback_withheld"]
    assert "expected" not in held.get_data(as_text=True)
    assert learner.get(f"/attempts/{attempt_id}").status_code == 403
    assert learner.get(f"/attempts/{attempt_id}/what-if/oracle-on-rds").status_code == 403
    host.act(code, "close", "reveal")
    assert learner.get(f"/attempts/{attempt_id}").status_code == 200
    shown = learner.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert shown["score"] == 1.0
    assert len(shown["results"]) == len(key_for(app))
