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
    (
        {
            "patch-web": "customer",
            "patch-db": "customer",
            "photo-access": "customer",
            "racks": "aws",
        },
        None,
    ),  # 4/4
    ({"patch-web": "customer", "patch-db": "aws", "photo-access": "aws"}, None),  # 1/4
    ({"patch-web": "aws", "patch-db": "aws", "racks": "aws"}, None),  # 1/4
    ({"patch-db": "aws", "racks": "customer"}, "db-on-rds"),  # 1/4 (db aws on rds)
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
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/author/scenarios/{slug}/analytics.csv").get_data(as_text=True)
            )
        )
    )
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
    assert "Attempts 2" in text_of(
        client.get(f"/author/scenarios/{slug}/analytics").get_data(as_text=True)
    )
    only_first = text_of(
        client.get(f"/author/scenarios/{slug}/analytics?version=1").get_data(as_text=True)
    )
    assert "Attempts 1" in only_first
    assert "Median score 100 %" in only_first


def test_preview_attempts_are_not_counted_and_empty_state(app):
    client, auth, slug = _published(app)
    client.post(
        f"/author/scenarios/{slug}/preview",
        data={"csrf_token": auth.csrf(f"/author/scenarios/{slug}/preview"), "answer-racks": "aws"},
    )
    text = text_of(client.get(f"/author/scenarios/{slug}/analytics").get_data(as_text=True))
    assert "Attempts 0" in text
    assert "No attempts yet" in text


def test_csv_neutralises_formulas(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = {**THREE_PART, "tasks": [{**THREE_PART["tasks"][0], "text": '=HYPERLINK("x")'}]}
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


def _class_answers(app, host, scenario: str, variant: str | None, answers: dict) -> None:
    """A class session of this host on a built-in: one learner sends one answer set."""
    from tests.helpers.classroom import answer, join

    code = host.create([{"id": scenario, "variant": variant} if variant else scenario])
    learner, token = join(app, code, "Kim")
    host.act(code, "open")
    assert answer(learner, code, token, answers, scenario_id=scenario).status_code == 201


def test_builtin_analytics_show_an_instructor_only_the_classes_they_hosted(app):
    from tests.helpers.classroom import Host

    grade(app.test_client(), "ec2-web-server", {})  # the catalogue: nobody's class
    mine, theirs = Host(app, "teacher@example.org"), Host(app, "other@example.org")
    url = "/author/scenarios/ec2-web-server/analytics"
    text = text_of(mine.client.get(url).get_data(as_text=True))
    assert "Attempts 0" in text
    assert "No attempts from your class sessions yet" in text
    assert "the class sessions you hosted" in text
    key = {"patch-os": "customer"}
    _class_answers(app, mine, "ec2-web-server", None, key)
    _class_answers(app, theirs, "ec2-web-server", None, {})
    _class_answers(app, theirs, "ec2-web-server", None, {})
    assert "Attempts 1" in text_of(mine.client.get(url).get_data(as_text=True))
    assert "Attempts 2" in text_of(theirs.client.get(url).get_data(as_text=True))
    rows = list(csv.DictReader(io.StringIO(mine.client.get(url + ".csv").get_data(as_text=True))))
    assert {r["answers"] for r in rows} == {"1"}
    admin, _ = signed_in(app, "admin@example.org", "admin")
    text = text_of(admin.get(url).get_data(as_text=True))
    assert "Attempts 4" in text
    assert "Every graded attempt" in text


def test_analytics_per_variant(app):
    client, _, slug = _published(app)
    learners = [app.test_client() for _ in range(3)]
    for n, (answers, variant) in enumerate(PLAYS):
        assert grade(learners[min(n, 2)], slug, answers, variant).status_code == 200
    text = text_of(client.get(f"/author/scenarios/{slug}/analytics").get_data(as_text=True))
    # attempts, learners and median of each variant: three on EC2 (the default), one on RDS
    assert "Database on EC2 3 3 25 %" in text
    assert "Database on RDS 1 1 25 %" in text
    only_rds = text_of(
        client.get(f"/author/scenarios/{slug}/analytics?variant=db-on-rds").get_data(as_text=True)
    )
    assert "Variant: Database on RDS" in only_rds
    assert "Attempts 1" in only_rds
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/author/scenarios/{slug}/analytics.csv?variant=db-on-rds").get_data(
                    as_text=True
                )
            )
        )
    )
    by_id = {r["task_id"]: r for r in rows}
    assert by_id["patch-db"]["correct"] == "1"
    assert by_id["patch-db"]["answers"] == "1"
    unknown = client.get(f"/author/scenarios/{slug}/analytics?variant=on-the-moon")
    assert unknown.status_code == 200
    assert "Attempts 4" in text_of(unknown.get_data(as_text=True))


def test_builtin_analytics_per_variant_for_an_instructor(app):
    from tests.helpers.classroom import Host, key_for

    mine = Host(app, "teacher@example.org")
    slug = "s3-vpc-ec2-oracle"
    _class_answers(app, mine, slug, "oracle-on-rds", key_for(app, slug, "oracle-on-rds"))
    _class_answers(app, mine, slug, "oracle-on-ec2", {})
    base = f"/author/scenarios/{slug}/analytics"
    text = text_of(mine.client.get(base).get_data(as_text=True))
    assert "Oracle on Amazon RDS 1 1 100 %" in text
    assert "Oracle installed on an EC2 instance 1 1 0 %" in text
    rds = text_of(mine.client.get(base + "?variant=oracle-on-rds").get_data(as_text=True))
    assert "Attempts 1" in rds
    assert "Median score 100 %" in rds
