"""The after-class report: tasks most missed first, % correct, the variant, only used parties."""

from __future__ import annotations

import csv
import io
import re

from tests.helpers.classroom import API, COURSE, played

THREE_ZONES = "lambda-serverless-api"


def test_tasks_come_most_missed_first_with_the_share_correct(app, host):
    code, key, missed = played(app, host)
    report = host.client.get(f"{API}/{code}/report").get_json()
    (course,) = report["scenarios"]
    rows = course["tasks"]
    assert [r["task_id"] for r in rows[:2]] == missed  # ties keep the scenario's order
    assert [r["task_id"] for r in rows[2:]] == [t for t in key if t not in missed]
    assert [(r["missed"], r["correct"], r["percent_correct"]) for r in rows[:2]] == [
        (2, 1, 33.3),
        (2, 1, 33.3),
    ]
    assert {(r["missed"], r["correct"], r["percent_correct"]) for r in rows[2:]} == {
        (1, 2, 66.7)
    }  # only Cy, who sent nothing
    assert report["tasks"] == rows


def test_the_variant_is_named_and_unused_parties_are_left_out(app, host):
    code, _, _ = played(app, host)
    report = host.client.get(f"{API}/{code}/report").get_json()
    (course,) = report["scenarios"]
    assert (course["variant"], course["parties"]) == ("oracle-on-rds", ["aws", "customer"])
    assert course["variant_title"] == "Oracle on Amazon RDS"
    assert all(set(r["counts"]) == {"aws", "customer", "unanswered"} for r in course["tasks"])
    assert all(r["variant"] == "oracle-on-rds" for r in report["tasks"])


def _task_tables(page: str) -> list[tuple[str, list[str], str]]:
    """(heading, column headers, body) of each per-scenario task table on the report page."""
    heading = r'<h3 class="report-scenario" id="tasks-\d+">(.*?)</h3>'
    tables = re.findall(heading + r".*?<thead>(.*?)</thead>(.*?)</tbody>", page, re.S)
    return [
        (re.sub(r"<[^>]+>", "", h).strip(), re.findall(r"<th scope=\"col\">(.*?)</th>", th), body)
        for h, th, body in tables
    ]


def test_the_report_page_shows_the_variant_share_correct_and_only_used_columns(app, host):
    code, key, missed = played(app, host, [{"id": COURSE, "variant": "oracle-on-rds"}, THREE_ZONES])
    page = host.client.get(f"/host/{code}/report").get_data(as_text=True)
    (two_heading, two_cols, two_body), (three_heading, three_cols, _) = _task_tables(page)
    assert "Variant: Oracle on Amazon RDS" in two_heading
    assert two_cols == ["Task", "Correct", "Expected", "AWS", "Customer", "Not placed"]
    assert "Shared" in three_cols
    first_row = re.search(r"<tr>(.*?)</tr>", two_body, re.S).group(1)
    texts = _texts(app)
    assert texts[missed[0]] in first_row
    assert re.search(r'data-label="Correct">33%', first_row)


def _texts(app) -> dict[str, str]:
    from markupsafe import escape

    from webapp.services import content

    with app.app_context():
        scenario = content.content().library.get(COURSE)
        return {t.id: str(escape(t.text)) for t in scenario.tasks}


def _csv(host, code) -> tuple[list[str], list[dict]]:
    body = host.client.get(f"{API}/{code}/report?format=csv&table=tasks").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body)))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_the_task_csv_has_the_variant_and_share_and_no_empty_party_column(app, host):
    code, key, missed = played(app, host)
    header, rows = _csv(host, code)
    assert header == [
        "scenario_id",
        "variant",
        "task_id",
        "task",
        "expected",
        "aws",
        "customer",
        "unanswered",
        "correct",
        "percent_correct",
    ]
    assert [r["task_id"] for r in rows[:2]] == missed
    assert rows[0]["variant"] == "oracle-on-rds"
    assert rows[0]["percent_correct"] == "33.3"
    assert rows[-1]["correct"] == "2"


def test_the_task_csv_keeps_shared_when_a_scenario_uses_it(app, host):
    code, _, _ = played(app, host, [{"id": COURSE, "variant": "oracle-on-rds"}, THREE_ZONES])
    header, rows = _csv(host, code)
    assert "shared" in header
    course = [r for r in rows if r["scenario_id"] == COURSE]
    lambda_rows = [r for r in rows if r["scenario_id"] == THREE_ZONES]
    assert all(r["shared"] == "" for r in course)  # not a zone of that scenario
    assert all(r["shared"] == "0" and r["percent_correct"] == "0.0" for r in lambda_rows)
