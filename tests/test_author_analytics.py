"""Per-scenario analytics: figures computed in SQL, most-missed first, CSV, and who sees them."""

from __future__ import annotations

import csv
import io

from tests.author_helpers import THREE_PART, create_scenario, grade, save, signed_in, text_of


def _published(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART, action="publish")
    return client, auth, slug


# expected under the default variant (db-on-ec2): patch-web customer, patch-db customer,
# photo-access customer, racks aws
PLAYS = [
    ({"patch-web": "customer", "patch-db": "customer", "photo-access": "customer",
      "racks": "aws"}, None),                                           # 4/4
    ({"patch-web": "customer", "patch-db": "aws", "photo-access": "aws"}, None),  # 1/4
    ({"patch-web": "aws", "patch-db": "aws", "racks": "aws"}, None),    # 1/4
    ({"patch-db": "aws", "racks": "customer"}, "db-on-rds"),            # 1/4 (db aws on rds)
]


def test_analytics_figures(app):
    client, _, slug = _published(app)
    learners = [app.test_client() for _ in range(3)]
    for n, (answers, variant) in enumerate(PLAYS):
        assert grade(learners[min(n, 2)], slug, answers, variant).status_code == 200
    page = client.get(f"/author/scenarios/{slug}/analytics")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Attempts 4" in text
    assert "Learners 3" in text
    assert "Median score 25 %" in text  # scores 0.25, 0.25, 0.25, 1.0
    # patch-db: customer is right on EC2 (first attempt), aws is right on RDS (last attempt)
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/author/scenarios/{slug}/analytics.csv").get_data(as_text=True))))
    by_id = {r["task_id"]: r for r in rows}
    assert by_id["patch-db"]["correct"] == "2"  # first attempt, and the RDS attempt
    assert by_id["patch-db"]["most_common_wrong_party"] == "aws"
    assert by_id["photo-access"]["correct"] == "1"
    assert by_id["photo-access"]["unanswered"] == "2"
    assert by_id["photo-access"]["percent_unanswered"] == "50.0"
    assert by_id["racks"]["most_common_wrong_party"] == "customer"
    # most missed first
    rates = [float(r["percent_correct"]) for r in rows]
    assert rates == sorted(rates)
    assert rows[0]["task_id"] == "photo-access"


def test_distribution_bars(app):
    client, _, slug = _published(app)
    learner = app.test_client()
    for answers, variant in PLAYS:
        grade(learner, slug, answers, variant)
    html = client.get(f"/author/scenarios/{slug}/analytics").get_data(as_text=True)
    text = text_of(html)
    assert "20–29 % 3" in text
    assert "90–100 % 1" in text
    assert 'class="bar pct-100"' in html  # the tallest bar is full width


def test_version_filter(app):
    client, auth, slug = _published(app)
    learner = app.test_client()
    grade(learner, slug, PLAYS[0][0])
    changed = {**THREE_PART, "title": "Second edition"}
    save(client, auth, slug, changed, action="publish")
    grade(learner, slug, PLAYS[1][0])
    assert "Attempts 2" in text_of(client.get(f"/author/scenarios/{slug}/analytics")
                                   .get_data(as_text=True))
    only_first = text_of(client.get(f"/author/scenarios/{slug}/analytics?version=1")
                         .get_data(as_text=True))
    assert "Attempts 1" in only_first and "Median score 100 %" in only_first


def test_preview_attempts_are_not_counted_and_empty_state(app):
    client, auth, slug = _published(app)
    client.post(f"/author/scenarios/{slug}/preview", data={
        "csrf_token": auth.csrf(f"/author/scenarios/{slug}/preview"), "answer-racks": "aws"})
    text = text_of(client.get(f"/author/scenarios/{slug}/analytics").get_data(as_text=True))
    assert "Attempts 0" in text and "No attempts yet" in text


def test_csv_neutralises_formulas(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = {**THREE_PART, "tasks": [{**THREE_PART["tasks"][0], "text": "=HYPERLINK(\"x\")"}]}
    save(client, auth, slug, doc, action="publish")
    grade(app.test_client(), slug, {"patch-web": "aws"})
    body = client.get(f"/author/scenarios/{slug}/analytics.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


def test_other_instructors_cannot_see_analytics(app):
    _, _, slug = _published(app)
    other, _ = signed_in(app, "other@example.org")
    assert other.get(f"/author/scenarios/{slug}/analytics").status_code == 403
    assert other.get(f"/author/scenarios/{slug}/analytics.csv").status_code == 403
    admin, _ = signed_in(app, "admin@example.org", "admin")
    assert admin.get(f"/author/scenarios/{slug}/analytics").status_code == 200


def test_builtin_analytics_are_for_admins(app):
    learner = app.test_client()
    grade(learner, "ec2-web-server", {})
    instructor, _ = signed_in(app)
    assert instructor.get("/author/scenarios/ec2-web-server/analytics").status_code == 403
    admin, _ = signed_in(app, "admin@example.org", "admin")
    text = text_of(admin.get("/author/scenarios/ec2-web-server/analytics")
                   .get_data(as_text=True))
    assert "Attempts 1" in text
