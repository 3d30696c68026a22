"""Per-card feedback: one placed card checked on the server, practice only, storing nothing."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import SCENARIOS, count_rows
from tests.learn_helpers import COURSE, key_for
from webapp.domain import ScenarioError, parse_scenario
from webapp.models import Attempt
from webapp.services import content

EXAM = "card-exam"
PER_CARD = "card-practice"


def _copy(folder, slug, settings):
    text = (SCENARIOS / f"{COURSE}.yaml").read_text(encoding="utf-8")
    text = text.replace(f"id: {COURSE}", f"id: {slug}")
    text = text.replace("settings:\n  mode: practice\n", settings)
    assert settings in text
    (folder / f"{slug}.yaml").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    shutil.copy(SCENARIOS / f"{COURSE}.yaml", folder / f"{COURSE}.yaml")
    _copy(folder, EXAM, "settings:\n  mode: assessment\n  feedback: always\n")
    _copy(folder, PER_CARD, "settings:\n  mode: practice\n  feedback_per_card: true\n")
    return folder


@pytest.fixture
def app_config(scenario_dir):
    return {"SRM_SCENARIOS_DIR": str(scenario_dir)}


def check(client, slug=COURSE, **body):
    return client.post(f"/api/v1/scenarios/{slug}/check", json=body)


def secrets(app) -> list[str]:
    with app.app_context():
        rules = content.rules()
        return [r.explanation for r in rules.rules] + [r.source for r in rules.rules]


def test_a_placed_card_is_checked_with_its_reason_and_source(client, app):
    key = key_for(app, COURSE, "oracle-on-ec2")
    task, party = next(iter(key.items()))
    wrong = "aws" if party == "customer" else "customer"
    right = check(client, variant="oracle-on-ec2", task_id=task, party=party)
    assert right.status_code == 200
    body = right.get_json()
    assert body["correct"] is True
    assert body["task_id"] == task
    assert body["explanation"]
    assert body["source"].startswith("https://")
    missed = check(client, variant="oracle-on-ec2", task_id=task, party=wrong).get_json()
    assert missed["correct"] is False
    assert "expected" not in missed  # the reason says it; no field hands over the party
    assert count_rows(app, Attempt) == 0


def test_the_variant_decides_the_answer(client, app):
    ec2 = key_for(app, COURSE, "oracle-on-ec2")
    rds = key_for(app, COURSE, "oracle-on-rds")
    task = next(t for t in ec2 if ec2[t] != rds[t])
    assert (
        check(client, variant="oracle-on-rds", task_id=task, party=ec2[task]).get_json()["correct"]
        is False
    )


def test_an_assessment_refuses_and_reveals_nothing(client, app):
    key = key_for(app, EXAM, "oracle-on-ec2")
    task, party = next(iter(key.items()))
    response = check(client, EXAM, variant="oracle-on-ec2", task_id=task, party=party)
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "correct" not in response.get_json()
    assert not [s for s in secrets(app) if s in text]
    assert count_rows(app, Attempt) == 0
    # the board offers no per-card option either
    assert 'data-check-url=""' in client.get(f"/scenarios/{EXAM}").get_data(as_text=True)
    assert "Check each card as I place it" not in client.get(f"/scenarios/{EXAM}").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"task_id": "nope", "party": "aws"},
        {"task_id": "patch-oracle", "party": "nobody"},
        {"task_id": "patch-oracle", "party": "shared"},
        {"task_id": ["x"], "party": {"a": 1}},
        {"task_id": "patch-oracle", "party": "aws", "variant": "nope"},
        {"task_id": "patch-oracle", "party": "aws", "variant": 3},
        {"task_id": "patch-oracle", "party": "aws", "answers": {}},
        {"task_id": "x" * 10000, "party": "aws"},
    ],
)
def test_bad_requests_are_400_and_store_nothing(client, app, body):
    response = check(client, **body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["details"]
    assert count_rows(app, Attempt) == 0


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ("[1, 2]", "application/json"),
        ("{", "application/json"),
        ("task_id=x", "application/x-www-form-urlencoded"),
        ('{"task_id": "\\u0000", "party": "aws"}', "application/json"),
    ],
)
def test_bodies_that_are_not_a_json_object_never_fail(client, data, kind):
    response = client.post(f"/api/v1/scenarios/{COURSE}/check", data=data, content_type=kind)
    assert 400 <= response.status_code < 500


def test_an_unknown_scenario_is_404(client):
    assert check(client, "no-such", task_id="a", party="aws").status_code == 404


def test_a_scenario_running_in_the_viewers_class_is_never_checked_card_by_card(app):
    from tests.helpers.classroom import Host, join

    host = Host(app, "card-host@example.org")
    code = host.create([COURSE])
    host.act(code, "open")
    learner, _ = join(app, code, "Ada")
    key = key_for(app, COURSE, "oracle-on-ec2")
    task, party = next(iter(key.items()))
    response = check(learner, variant="oracle-on-ec2", task_id=task, party=party)
    assert response.status_code == 403
    assert "correct" not in response.get_json()
    assert 'data-check-url=""' in learner.get(f"/scenarios/{COURSE}").get_data(as_text=True)


def test_the_board_offers_the_option_in_practice_ticked_where_the_scenario_says(client):
    plain = client.get(f"/scenarios/{COURSE}").get_data(as_text=True)
    assert f'data-check-url="/api/v1/scenarios/{COURSE}/check"' in plain
    assert 'class="js-check-toggle">' in plain  # offered, not ticked
    ticked = client.get(f"/scenarios/{PER_CARD}").get_data(as_text=True)
    assert 'class="js-check-toggle" checked>' in ticked


def _doc(**settings):
    text = (SCENARIOS / f"{COURSE}.yaml").read_text(encoding="utf-8")
    body = "".join(f"  {k}: {v}\n" for k, v in settings.items())
    return text.replace("settings:\n  mode: practice\n", "settings:\n" + body)


def test_the_setting_is_validated_by_the_scenario_format(app):
    with app.app_context():
        rules = content.rules()
    scenario = parse_scenario(
        _doc(mode="practice", feedback_per_card="true"), rules, filename="x.yaml"
    )
    assert scenario.settings.feedback_per_card is True
    with pytest.raises(ScenarioError, match="feedback_per_card must be true or false"):
        parse_scenario(_doc(mode="practice", feedback_per_card='"yes"'), rules, filename="x.yaml")
    with pytest.raises(ScenarioError, match="practice only"):
        parse_scenario(_doc(mode="assessment", feedback_per_card="true"), rules, filename="x.yaml")
