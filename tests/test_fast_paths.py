"""The hot paths' shortcuts store and show exactly what the plain paths did.

Core INSERTs store the same rows as the ORM's record_attempt; practice grading skips the
attempt-count queries; published content cached per worker is dropped when an instructor
publishes (at once in that worker, through the generation check in another); the prebuilt
learner view never carries the key; caches key on content, never on object identity.
"""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from sqlalchemy import event, select

from tests.author_helpers import THREE_PART, create_scenario, save, signed_in
from tests.conftest import make_app
from tests.helpers.api import GRADE, ORACLE
from tests.helpers.keys import key_for
from webapp.domain import answer_key, grade
from webapp.extensions import db
from webapp.models import Attempt, AttemptAnswer, ScenarioVersion
from webapp.services import content
from webapp.services.attempts import insert_attempt, record_attempt


@pytest.fixture
def app_config() -> dict:
    # a generation check once an hour: only the publish itself can make a worker see a change
    return {"SRM_CONTENT_CHECK_SECONDS": 3600}


def _columns(row, skip: set[str]) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


def test_core_inserts_store_what_the_orm_path_stored(app):
    with app.app_context():
        source = content.content()
        scenario = source.library.get(ORACLE)
        key = answer_key(scenario, "oracle-on-rds", source.rules)
        first = next(iter(key))
        answers = dict(list(key.items())[:5]) | {
            first: "customer" if key[first] == "aws" else "aws"
        }
        report = grade(scenario, "oracle-on-rds", source.rules, answers)
        version = content.snapshot_version(db.session, content.Playable(scenario))
        order = sorted(key)
        orm = record_attempt(
            db.session, version, report, "learner-1", task_order=order, user_id=None
        )
        fast = insert_attempt(
            db.session, version.id, report, "learner-1", task_order=order, user_id=None
        )
        db.session.commit()
        orm_id = orm.id
        db.session.expunge_all()
        rows = {a.id: a for a in db.session.execute(select(Attempt)).scalars()}
        assert set(rows) == {orm_id, fast.id}
        skip = {"id", "created_at"}
        assert _columns(rows[fast.id], skip) == _columns(rows[orm_id], skip)
        assert rows[fast.id].created_at == fast.created_at

        def verdicts(attempt_id):
            found = db.session.execute(
                select(AttemptAnswer)
                .where(AttemptAnswer.attempt_id == attempt_id)
                .order_by(AttemptAnswer.position)
            )
            return [_columns(v, {"attempt_id"}) for v in found.scalars()]

        assert len(verdicts(fast.id)) == len(key)
        assert verdicts(fast.id) == verdicts(orm_id)
        for name in (
            "scenario_slug",
            "version_id",
            "variant",
            "learner_id",
            "user_id",
            "participant_id",
            "class_scenario_id",
            "class_try",
            "score",
            "correct",
            "total",
        ):
            assert getattr(fast, name) == getattr(rows[fast.id], name)


def _statements(app):
    seen: list[str] = []

    def remember(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    return seen, lambda: event.remove(engine, "before_cursor_execute", remember)


def test_practice_grading_stores_the_attempt_without_counting_attempts(app, client):
    key = key_for(app, ORACLE, "oracle-on-ec2")
    assert (
        client.post(GRADE, json={"variant": "oracle-on-ec2", "answers": key}).status_code == 200
    )  # the first one snapshots the version
    seen, stop = _statements(app)
    try:
        response = client.post(GRADE, json={"variant": "oracle-on-ec2", "answers": key})
    finally:
        stop()
    assert response.status_code == 200
    attempt_id = response.get_json()["attempt_id"]
    inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT")]
    tables = [s.split()[2] for s in inserts]
    # the attempt, then its verdicts; what follows learning (practice reviews) adds at most
    # one statement per table, never one per card
    assert tables[:2] == ["attempts", "attempt_answers"], inserts
    assert len(tables) == len(set(tables)), inserts
    assert not [s for s in seen if "count(" in s.lower() and "attempts" in s.lower()]
    assert not [s for s in seen if "scenario_versions" in s.lower()]  # cached once committed
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        assert attempt.correct == len(key)
        assert len(attempt.verdicts) == len(key)
    # what the learner reads back is what the reply said
    stored = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert stored["correct"] == len(key)
    assert len(stored["results"]) == len(key)


def test_a_version_made_in_a_rolled_back_transaction_is_not_remembered(app):
    with app.app_context():
        source = content.content()
        playable = content.Playable(source.library.get(ORACLE))
        first = content.snapshot(db.session, playable, source)
        db.session.rollback()
        assert len(source.versions) == 0
        assert db.session.get(ScenarioVersion, first.id) is None
        again = content.snapshot(db.session, playable, source)
        db.session.commit()
        assert len(source.versions) == 1
        assert content.snapshot(db.session, playable, source) == again


def _title(client, slug):
    response = client.get(f"/api/v1/scenarios/{slug}")
    return response.get_json()["title"] if response.status_code == 200 else None


def test_publishing_is_served_at_once_by_the_same_worker(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    learner = app.test_client()
    assert _title(learner, slug) is None  # the (empty) authored list is now cached
    save(client, auth, slug, THREE_PART, action="publish")
    assert _title(learner, slug) == THREE_PART["title"]
    assert slug in learner.get("/").get_data(as_text=True)
    changed = copy.deepcopy(THREE_PART)
    changed["title"] = "Shop, second edition"
    save(client, auth, slug, changed, action="publish")
    assert _title(learner, slug) == "Shop, second edition"
    token = auth.csrf(f"/author/scenarios/{slug}")
    client.post(f"/author/scenarios/{slug}/archive", data={"csrf_token": token})
    assert _title(learner, slug) is None


def test_another_worker_sees_a_publish_through_the_generation_check(app, _migrated, tmp_path):
    other = make_app(_migrated, tmp_path / "other", SRM_CONTENT_CHECK_SECONDS=5)
    now = [1000.0]
    other.extensions["srm_content"].clock = lambda: now[0]
    try:
        client, auth = signed_in(app)
        slug = create_scenario(client, auth)
        learner = other.test_client()
        assert _title(learner, slug) is None
        save(client, auth, slug, THREE_PART, action="publish")
        now[0] += 1  # within the check interval the other worker serves what it read
        assert _title(learner, slug) is None
        now[0] += 5  # then it reads the generation, sees it moved and reloads
        assert _title(learner, slug) == THREE_PART["title"]
        changed = copy.deepcopy(THREE_PART)
        changed["title"] = "Shop, second edition"
        save(client, auth, slug, changed, action="publish")
        now[0] += 6
        assert _title(learner, slug) == "Shop, second edition"
        report = learner.post(
            f"/api/v1/scenarios/{slug}/grade", json={"answers": {"patch-web": "customer"}}
        )
        assert report.status_code == 200
        with other.app_context():
            attempt = db.session.get(Attempt, report.get_json()["attempt_id"])
            version = db.session.get(ScenarioVersion, attempt.version_id)
            assert version.document["title"] == "Shop, second edition"
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_prebuilt_learner_view_never_carries_the_key(app, client):
    with app.app_context():
        source = content.content()
        scenarios = list(source.library.scenarios.values())
        rules = source.rules
    secrets_of_rules = {r.explanation for r in rules.rules} | {r.source for r in rules.rules}
    for scenario in scenarios:
        for variant in [None, *scenario.variant_ids]:
            query = f"?variant={variant}" if variant else ""
            first = client.get(f"/api/v1/scenarios/{scenario.id}{query}")
            again = client.get(f"/api/v1/scenarios/{scenario.id}{query}")
            assert first.status_code == again.status_code == 200
            assert first.data == again.data  # the second comes from the prebuilt bytes
            assert first.mimetype == "application/json"
            body = first.get_json()
            text = json.dumps(body)
            for forbidden in ("expected", "explanation", '"source"', 'party"'):
                assert forbidden not in text, (scenario.id, variant, forbidden)
            assert not [s for s in secrets_of_rules if s and s in text]
            for task in body["tasks"]:
                assert set(task) == {"id", "text", "component"}


def test_the_answer_key_follows_the_rule_set_content_not_its_identity(app):
    with app.app_context():
        source = content.content()
        scenario = source.library.get(ORACLE)
        rules = source.rules
    same = dataclasses.replace(rules)
    assert same is not rules
    assert same.digest == rules.digest
    flipped = tuple(
        dataclasses.replace(r, party="shared" if r.party != "shared" else "aws")
        for r in rules.rules
    )
    changed = dataclasses.replace(rules, rules=flipped)
    assert changed.digest != rules.digest
    before = answer_key(scenario, "oracle-on-ec2", rules)
    assert answer_key(scenario, "oracle-on-ec2", same) == before
    after = answer_key(scenario, "oracle-on-ec2", changed)
    assert after != before
    assert all(party != before[task] for task, party in after.items())
