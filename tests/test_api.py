"""The JSON API: answers, stored attempts, and every bad input rejected with nothing stored."""

from __future__ import annotations

import json

import pytest

from tests.conftest import count_rows
from tests.helpers.api import GRADE, ORACLE
from tests.helpers.keys import key_for
from webapp.models import Attempt, AttemptAnswer, ScenarioRecord, ScenarioVersion
from webapp.services.content import content


def nothing_stored(app) -> bool:
    return all(
        count_rows(app, m) == 0 for m in (Attempt, AttemptAnswer, ScenarioVersion, ScenarioRecord)
    )


def test_list_scenarios(client):
    body = client.get("/api/v1/scenarios").get_json()
    ids = [s["id"] for s in body["scenarios"]]
    assert ORACLE in ids
    assert len(ids) >= 10
    oracle = next(s for s in body["scenarios"] if s["id"] == ORACLE)
    assert oracle["parties"] == ["aws", "customer"]
    assert [v["id"] for v in oracle["variants"]] == ["oracle-on-ec2", "oracle-on-rds"]
    assert oracle["task_count"] >= 12


def test_learner_view_follows_the_variant(client):
    on_rds = client.get(f"/api/v1/scenarios/{ORACLE}?variant=oracle-on-rds").get_json()
    on_ec2 = client.get(f"/api/v1/scenarios/{ORACLE}").get_json()
    db_rds = next(c for c in on_rds["components"] if c["id"] == "db")
    db_ec2 = next(c for c in on_ec2["components"] if c["id"] == "db")
    assert (db_rds["service"], db_ec2["service"]) == ("rds", "ec2")
    assert on_ec2["variant"] == "oracle-on-ec2"
    assert {t["id"] for t in on_rds["tasks"]} == {t["id"] for t in on_ec2["tasks"]}


def test_no_answer_key_before_grading(app, client):
    with app.app_context():
        c = content()
        explanations = {r.explanation for r in c.rules.rules}
        scenarios = list(c.library.scenarios.values())
    responses = [client.get("/api/v1/scenarios").get_data(as_text=True)]
    for s in scenarios:
        for variant in s.variant_ids or (None,):
            url = f"/api/v1/scenarios/{s.id}" + (f"?variant={variant}" if variant else "")
            response = client.get(url)
            assert response.status_code == 200
            responses.append(response.get_data(as_text=True))
            for task in response.get_json()["tasks"]:
                assert set(task) == {"id", "text", "component"}
    for text in responses:
        for forbidden in ('"expected"', '"party"', '"explanation"', '"source"', '"rule'):
            assert forbidden not in text
        assert not any(e in text for e in explanations)


def test_grade_stores_the_attempt_and_explains(app, client):
    key = key_for(app, ORACLE, "oracle-on-rds")
    answers = dict(key)
    wrong_task = "patch-oracle"
    answers[wrong_task] = "customer"  # the classic mistake: Oracle on RDS is patched by AWS
    del answers["choose-region"]
    response = client.post(GRADE, json={"variant": "oracle-on-rds", "answers": answers})
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == len(key)
    assert body["correct"] == len(key) - 2
    assert body["score"] == pytest.approx((len(key) - 2) / len(key), abs=1e-4)
    results = {r["task_id"]: r for r in body["results"]}
    assert results[wrong_task]["given"] == "customer"
    assert results[wrong_task]["expected"] == "aws"
    assert results[wrong_task]["correct"] is False
    assert results[wrong_task]["service"] == "rds"
    assert results[wrong_task]["area"] == "db-engine-patching"
    assert "RDS" in results[wrong_task]["explanation"]
    assert results[wrong_task]["source"].startswith("https://")
    assert results["choose-region"]["given"] is None
    assert set(results[wrong_task]) >= {
        "task_id",
        "text",
        "component",
        "service",
        "area",
        "given",
        "expected",
        "correct",
        "explanation",
        "source",
    }
    assert count_rows(app, Attempt) == 1
    assert count_rows(app, AttemptAnswer) == len(key)
    stored = client.get(body["result_url"]).get_json()
    assert stored["score"] == body["score"]
    assert {r["task_id"]: r["expected"] for r in stored["results"]} == key


def test_same_content_is_snapshotted_once(app, client):
    for _ in range(3):
        assert client.post(GRADE, json={"answers": {}}).status_code == 200
    assert count_rows(app, ScenarioVersion) == 1
    assert count_rows(app, Attempt) == 3


def test_learner_cookie_ties_attempts_to_a_learner(app, client):
    client.post(GRADE, json={"answers": {}})
    client.post(GRADE, json={"answers": {}})
    with app.app_context():
        from sqlalchemy import select

        from webapp.extensions import db

        learners = set(db.session.execute(select(Attempt.learner_id)).scalars())
    assert len(learners) == 1
    assert None not in learners


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"answers": {"nope": "aws"}}, "unknown task id 'nope'"),
        ({"answers": {"patch-oracle": "amazon"}}, "unknown party 'amazon'"),
        ({"answers": {"patch-oracle": "shared"}}, "'shared' is not used"),
        ({"variant": "oracle-on-lambda", "answers": {}}, "unknown variant 'oracle-on-lambda'"),
        ({"answers": ["aws"]}, "'answers' must be an object"),
        ({"answers": {"patch-oracle": 3}}, "must be a string or null"),
        ({"variant": 7, "answers": {}}, "'variant' must be a string"),
        ({"answers": {}, "extra": 1}, "unknown field 'extra'"),
        ({"answers": {}, "task_order": ["patch-oracle"]}, "'task_order' must list every task"),
    ],
)
def test_bad_answers_get_400_with_details_and_store_nothing(app, client, payload, fragment):
    response = client.post(GRADE, json=payload)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]
    assert any(fragment in d for d in body["details"]), body
    assert nothing_stored(app)


@pytest.mark.parametrize(
    ("data", "content_type", "status", "fragment"),
    [
        ("{not json", "application/json", 400, "malformed JSON"),
        ("[1, 2]", "application/json", 400, "must be a JSON object"),
        ("\xff\xfe", "application/json", 400, "malformed JSON"),
        ("answers=aws", "application/x-www-form-urlencoded", 415, "Content-Type: application/json"),
        ('{"answers": {}}', "text/plain", 415, "Content-Type: application/json"),
        ("", None, 415, "Content-Type: application/json"),
    ],
)
def test_malformed_bodies(app, client, data, content_type, status, fragment):
    kwargs = {"data": data.encode("latin-1")}
    if content_type:
        kwargs["content_type"] = content_type
    response = client.post(GRADE, **kwargs)
    assert response.status_code == status
    assert fragment in response.get_json()["error"]
    assert nothing_stored(app)


def test_body_over_64_kb_is_413(app, client):
    big = json.dumps({"answers": {}, "pad": "x" * (65 * 1024)})
    response = client.post(GRADE, data=big, content_type="application/json")
    assert response.status_code == 413
    assert "error" in response.get_json()
    assert nothing_stored(app)


def test_unknown_scenario_is_404(app, client):
    assert client.get("/api/v1/scenarios/no-such").status_code == 404
    response = client.post("/api/v1/scenarios/no-such/grade", json={"answers": {}})
    assert response.status_code == 404
    assert "no scenario 'no-such'" in response.get_json()["error"]
    assert nothing_stored(app)


def test_unknown_variant_on_view_is_400(client):
    response = client.get(f"/api/v1/scenarios/{ORACLE}?variant=nope")
    assert response.status_code == 400
    assert "unknown variant 'nope'" in response.get_json()["details"][0]


def test_unknown_attempt_is_404(client):
    assert client.get("/api/v1/attempts/" + "0" * 32).status_code == 404
    assert client.get("/api/v1/attempts/" + "x" * 200).status_code == 404


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]


def test_wrong_method_is_json_405(client):
    response = client.get(GRADE)
    assert response.status_code == 405
    assert response.get_json()["error"]


def test_responsibility_lookup(client):
    body = client.get("/api/v1/responsibility?area=db-engine-patching&service=rds").get_json()
    assert body["party"] == "aws"
    assert body["area"] == "db-engine-patching"
    assert body["service"] == "rds"
    assert body["explanation"]
    assert body["source"].startswith("https://")
    on_ec2 = client.get("/api/v1/responsibility?area=db-engine-patching&service=ec2")
    assert on_ec2.get_json()["party"] == "customer"


def test_responsibility_errors(client):
    unknown = client.get("/api/v1/responsibility?area=nope&service=ec2")
    assert unknown.status_code == 400
    assert "unknown area 'nope'" in unknown.get_json()["details"]
    missing = client.get("/api/v1/responsibility")
    assert missing.status_code == 400
    no_rule = client.get("/api/v1/responsibility?area=k8s-control-plane&service=ec2")
    assert no_rule.status_code == 404
    assert "no rule" in no_rule.get_json()["error"]


def test_grading_api_needs_no_csrf_token(app, client):
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert client.post(GRADE, json={"answers": {}}).status_code == 200


def test_no_cors_is_granted(client):
    response = client.options(
        GRADE, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers
