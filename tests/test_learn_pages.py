"""The learner's pages through the test client: catalogue, board form, result, what-if."""

from __future__ import annotations

import re

import pytest

from tests.conftest import count_rows
from tests.learn_helpers import COURSE, filled_form, hidden_fields, key_for
from webapp.models import Attempt
from webapp.services import content

MOVING = {"patch-oracle", "patch-db-os", "db-backups", "db-standby"}


def submit(client, data, scenario_id=COURSE):
    return client.post(f"/scenarios/{scenario_id}", data=data)


def test_catalogue_lists_scenarios_with_tags_counts_and_no_score_yet(client):
    html = client.get("/").get_data(as_text=True)
    assert "Web app with an Oracle database" in html
    assert "Infrastructure (IaaS)" in html
    assert "Managed service (PaaS)" in html
    course = html[html.index("Web app with an Oracle database") :]
    course = course[: course.index("</li>\n  \n")] if "</li>\n  \n" in course else course
    assert re.search(r"<dt>Tasks</dt><dd>16</dd>", course)
    assert "Not tried yet" in course


def test_catalogue_shows_the_learners_best_score(client, app):
    assert submit(client, filled_form(client, app, wrong=4)).status_code == 303
    assert submit(client, filled_form(client, app, wrong=8)).status_code == 303
    html = client.get("/").get_data(as_text=True)
    course = html[html.index("Web app with an Oracle database") :]
    assert re.search(r"Your best</dt><dd><strong>75%</strong>", course)
    other = app.test_client()  # another browser: no score of its own
    assert "75%" not in other.get("/").get_data(as_text=True)


def test_board_has_zones_tasks_variants_and_a_plain_form(client):
    html = client.get(f"/scenarios/{COURSE}").get_data(as_text=True)
    assert 'aria-labelledby="zone-aws"' in html
    assert 'aria-labelledby="zone-customer"' in html
    assert 'id="zone-shared"' not in html  # the course scenario has two parties
    assert html.count('type="radio"') == 16 * 2
    assert ">Check answers</button>" in html
    assert 'aria-current="page">' in html
    assert "Oracle on Amazon RDS" in html
    fields = hidden_fields(html)
    assert fields["variant"] == "oracle-on-ec2"
    assert len(fields["task_order"].split(",")) == 16


def test_board_carries_no_answer_key(client, app):
    html = client.get(f"/scenarios/{COURSE}").get_data(as_text=True)
    with client.get("/static/js/board.js") as response:
        js = response.get_data(as_text=True)
    with app.app_context():
        rules = content.rules()
        scenario = content.content().library.get(COURSE)
        explanations = [r.explanation for r in rules.rules]
        sources = {r.source for r in rules.rules}
        # an area id that is also a task id is only the card's id, not a clue
        areas = {t.area for t in scenario.tasks} - {t.id for t in scenario.tasks}
    for text in (html, js):
        assert not any(e[:60] in text for e in explanations)
        assert not any(s in text for s in sources)
        assert not any(f'"{a}"' in text for a in areas)
        assert "expected" not in text.lower()
    assert "checked" not in html  # nothing pre-chosen


def test_tray_order_is_shuffled_and_stored_with_the_attempt(client, app):
    orders = {
        hidden_fields(client.get(f"/scenarios/{COURSE}").get_data(as_text=True))["task_order"]
        for _ in range(5)
    }
    assert len(orders) > 1  # 16! orders: five equal draws would be a broken shuffle
    data = filled_form(client, app)
    response = submit(client, data)
    attempt_id = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        from webapp.extensions import db

        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.task_order == data["task_order"].split(",")


def test_form_post_grades_and_shows_the_result_page(client, app):
    response = submit(client, filled_form(client, app, wrong=3))
    assert response.status_code == 303
    assert re.fullmatch(
        r"/attempts/[0-9a-f]{32}", response.headers["Location"].replace("http://localhost", "")
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "81%" in html
    assert "13 of 16" in html
    wrong_at = html.index("To look at again (3)")
    right_at = html.index("Placed correctly (13)")
    assert wrong_at < right_at
    first_block = html[wrong_at:right_at]
    assert first_block.count("Incorrect") == 3
    assert "Correct</p>" not in first_block
    assert "Your choice</dt>" in html
    assert "Expected</dt>" in html
    assert "https://" in first_block  # a source link for each card
    assert "Try again</a>" in html
    assert "What changes on Oracle on Amazon RDS?" in html


def test_unplaced_cards_count_as_not_placed(client, app):
    data = filled_form(client, app)
    for name in [k for k in data if k.startswith("answer-")][:2]:
        del data[name]
    html = client.get(submit(client, data).headers["Location"]).get_data(as_text=True)
    assert "14 of 16" in html
    assert html.count("Not placed") >= 2


def test_a_bad_choice_is_reported_next_to_the_task_and_nothing_is_stored(client, app):
    data = filled_form(client, app)
    data["answer-patch-oracle"] = "nobody"
    response = submit(client, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="answer-patch-oracle-error"' in html
    assert "Choose AWS or Customer." in html
    assert 'value="customer" checked' in html or 'value="aws" checked' in html  # kept
    assert count_rows(app, Attempt) == 0


def test_a_missing_csrf_token_keeps_the_choices_and_stores_nothing(client, app):
    data = filled_form(client, app)
    del data["csrf_token"]
    response = submit(client, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "please check again" in html
    assert html.count(" checked") == 16
    assert count_rows(app, Attempt) == 0


def test_a_tampered_tray_order_is_refused(client, app):
    data = filled_form(client, app)
    data["task_order"] = "patch-oracle,not-a-task"
    assert submit(client, data).status_code == 400
    assert count_rows(app, Attempt) == 0


@pytest.mark.parametrize(
    "url",
    [
        "/scenarios/nope",
        f"/scenarios/{COURSE}?variant=nope",
        "/attempts/0123",
        "/attempts/x/what-if/oracle-on-rds",
    ],
)
def test_unknown_addresses_are_404_pages(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "<h1>" in response.get_data(as_text=True)


def test_variant_switch_changes_the_architecture(client):
    html = client.get(f"/scenarios/{COURSE}?variant=oracle-on-rds").get_data(as_text=True)
    assert hidden_fields(html)["variant"] == "oracle-on-rds"
    db_item = html[html.index("Oracle database</span>") :]
    assert "runs on Amazon RDS" in db_item[:300]
    assert "Changes with the variant" in db_item[:400]


def test_grading_uses_the_posted_variant(client, app):
    data = filled_form(client, app, variant="oracle-on-rds")
    html = client.get(submit(client, data).headers["Location"]).get_data(as_text=True)
    assert "100%" in html
    assert "Oracle on Amazon RDS" in html
    ec2_key = key_for(app, COURSE, "oracle-on-ec2")
    rds_key = key_for(app, COURSE, "oracle-on-rds")
    assert {t for t in ec2_key if ec2_key[t] != rds_key[t]} == MOVING


def test_what_if_highlights_the_tasks_whose_owner_moves(client, app):
    location = submit(client, filled_form(client, app)).headers["Location"]
    response = client.get(f"{location}/what-if/oracle-on-rds")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "4 tasks change owner" in html
    moved_part = html[: html.index("Same owner under both")]
    for text in (
        "Apply Oracle software upgrades",
        "Patch the operating system of the machine",
        "nightly database backups",
        "standby database",
    ):
        assert text in moved_part
    assert moved_part.count("Owner moves</span>") == 4
    assert client.get(f"{location}/what-if/oracle-on-ec2").status_code == 404


def test_result_page_is_shareable(client, app):
    location = submit(client, filled_form(client, app)).headers["Location"]
    stranger = app.test_client()
    html = stranger.get(location).get_data(as_text=True)
    assert "100%" in html
    assert "16 of 16" in html


def test_practice_api_grading_still_returns_every_result(client, app):
    response = client.post(
        f"/api/v1/scenarios/{COURSE}/grade", json={"answers": {"patch-oracle": "customer"}}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert len(body["results"]) == 16
    assert "feedback_withheld" not in body
