"""The what-if comparison is drawn from the version the attempt was graded against."""

from __future__ import annotations

import copy

from sqlalchemy import select

from tests.author_helpers import THREE_PART, create_scenario, grade, save, signed_in, text_of
from webapp.extensions import db
from webapp.models import Attempt, ScenarioVersion


def _published_with_attempt(app):
    """An authored scenario published once and one learner attempt on it (database on EC2)."""
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART, action="publish")
    learner = app.test_client()
    response = grade(learner, slug, {"patch-db": "customer"}, variant="db-on-ec2")
    assert response.status_code == 200
    return client, auth, slug, learner, response.get_json()["attempt_id"]


def test_what_if_compares_the_graded_version_not_the_current_one(app):
    client, auth, slug, learner, attempt_id = _published_with_attempt(app)
    changed = copy.deepcopy(THREE_PART)
    changed["tasks"][1]["text"] = "Upgrade the orders database engine"
    changed["variants"][1]["title"] = "Database on a managed service"
    changed["variants"][1]["services"] = {"db": "ec2"}  # now nothing would move
    save(client, auth, slug, changed, action="publish")
    result = learner.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "What changes on Database on RDS?" in result  # the result page's own version
    page = learner.get(f"/attempts/{attempt_id}/what-if/db-on-rds")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "What changes on Database on RDS?" in text
    assert "1 task changes owner" in text
    assert "Apply database engine patches" in text
    assert "Upgrade the orders database engine" not in text
    assert "Database on a managed service" not in text


def test_what_if_explains_when_the_graded_version_no_longer_fits_the_rule_set(app):
    client, auth, slug, learner, attempt_id = _published_with_attempt(app)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        version = db.session.execute(
            select(ScenarioVersion).where(ScenarioVersion.id == attempt.version_id)
        ).scalar_one()
        document = copy.deepcopy(version.document)
        document["tasks"][1]["area"] = "an-area-the-rules-dropped"
        version.document = document
        db.session.commit()
    page = learner.get(f"/attempts/{attempt_id}/what-if/db-on-rds")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "can no longer be drawn" in text_of(html)
    assert "<table" not in html
    assert learner.get(f"/attempts/{attempt_id}").status_code == 200  # the result still shows
    assert learner.get(f"/attempts/{attempt_id}/what-if/no-such-variant").status_code == 404
