"""The editor's form parsing: rows never lost, never merged, stored in the page's order."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from tests.author_helpers import THREE_PART, create_scenario, editor_data, signed_in, text_of
from webapp.author.editor import SAME_INDEX, UNREADABLE, read_editor
from webapp.domain import load_rules
from webapp.extensions import db
from webapp.models import ScenarioRecord

RULES_FILE = Path(__file__).resolve().parents[1] / "scenarios" / "rules" / "aws.yaml"


@pytest.fixture(scope="module")
def rules():
    return load_rules(RULES_FILE)


def _form(pairs) -> MultiDict:
    return MultiDict(
        [
            ("title", "T"),
            ("summary", "S"),
            ("components-0-id", "web"),
            ("components-0-name", "Web server"),
            ("components-0-service", "ec2"),
            *pairs,
        ]
    )


def _task(index, text, area="guest-os-patching", task_id=""):
    return [
        (f"tasks-{index}-id", task_id),
        (f"tasks-{index}-text", text),
        (f"tasks-{index}-component", "web"),
        (f"tasks-{index}-area", area),
    ]


def test_rows_are_stored_in_the_order_the_page_sends_them(rules):
    state, doc = read_editor(
        _form(_task(7, "Seventh") + _task(2, "Second") + _task(4, "Fourth")), rules, "s"
    )
    assert [t["text"] for t in doc["tasks"]] == ["Seventh", "Second", "Fourth"]
    assert [r.index for r in state.tasks] == [7, 2, 4]
    assert not state.invalid


def test_two_rows_under_one_index_are_both_kept_and_the_save_refused(rules):
    state, doc = read_editor(
        _form(
            _task(0, "Old task", task_id="old") + _task(1, "Second task") + _task(1, "Added task")
        ),
        rules,
        "s",
    )
    assert state.form_errors == [SAME_INDEX.format(kind="tasks")]
    assert [r["text"] for r in state.tasks] == ["Old task", "Second task", "Added task"]
    assert len({r.index for r in state.tasks}) == 3  # shown again under indices of their own
    assert [t["text"] for t in doc["tasks"]] == ["Old task", "Second task", "Added task"]


def test_components_and_variants_under_one_index_are_refused_too(rules):
    pairs = [
        ("components-0-id", ""),
        ("components-0-name", "Files"),
        ("components-0-service", "s3"),
        ("variants-0-title", "A"),
        ("variants-0-service-web", "rds"),
        ("variants-0-title", "B"),
        ("variants-0-service-web", "lambda"),
    ]
    state, _ = read_editor(_form(pairs), rules, "s")
    assert SAME_INDEX.format(kind="components") in state.form_errors
    assert SAME_INDEX.format(kind="variants") in state.form_errors
    assert [c["name"] for c in state.components] == ["Web server", "Files"]
    assert [v["title"] for v in state.variants] == ["A", "B"]


@pytest.mark.parametrize(
    "name",
    [
        "tasks-x-text",
        "tasks-1-colour",
        "tasks--text",
        "tasks-123456-text",
        "components-0-service-web",
        "variants-0-service-Not An Id",
    ],
)
def test_a_field_name_the_editor_never_writes_refuses_the_save(rules, name):
    state, _ = read_editor(_form(_task(0, "Kept") + [(name, "x")]), rules, "s")
    assert state.form_errors == [UNREADABLE]
    assert [r["text"] for r in state.tasks] == ["Kept"]


def test_a_task_without_text_but_with_choices_is_kept_for_the_check(rules):
    empty = [
        ("tasks-2-id", ""),
        ("tasks-2-text", ""),
        ("tasks-2-component", ""),
        ("tasks-2-area", ""),
        ("tasks-2-misconception", ""),
    ]
    state, doc = read_editor(_form(_task(0, "") + _task(1, "", area="") + empty), rules, "s")
    assert [(t["component"], t.get("area")) for t in doc["tasks"]] == [
        ("web", "guest-os-patching"),
        ("web", None),
    ]  # the empty third row is the blank one
    assert "text" not in doc["tasks"][0]
    assert not state.invalid


def _draft(app, slug):
    with app.app_context():
        return db.session.execute(
            select(ScenarioRecord.draft).where(ScenarioRecord.slug == slug)
        ).scalar_one()


def test_colliding_rows_store_nothing_and_show_both_rows(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    data = editor_data(THREE_PART, auth.csrf(f"/author/scenarios/{slug}"))
    client.post(f"/author/scenarios/{slug}", data=data)
    before = _draft(app, slug)
    pairs = list(data.items()) + [
        ("tasks-1-id", ""),
        ("tasks-1-text", "Rotate the keys"),
        ("tasks-1-component", "files"),
        ("tasks-1-area", "iam-access"),
    ]
    response = client.post(f"/author/scenarios/{slug}", data=MultiDict(pairs))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Two tasks were sent under the same number" in text_of(html)
    assert _draft(app, slug) == before
    names = dict(re.findall(r'name="(tasks-\d+-text)"[^>]*>([^<]*)</textarea>', html))
    assert sorted(names.values()) == sorted(
        ["", "Rotate the keys"] + [t["text"].replace("'", "&#39;") for t in THREE_PART["tasks"]]
    )


def test_every_rendered_row_carries_its_own_index(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    client.post(
        f"/author/scenarios/{slug}",
        data=editor_data(THREE_PART, auth.csrf(f"/author/scenarios/{slug}")),
    )
    html = client.get(f"/author/scenarios/{slug}").get_data(as_text=True)
    for kind, count in (("tasks", 4), ("components", 3), ("variants", 2)):
        section = html.split(f'data-kind="{kind}"', 1)[1].split("</ol>", 1)[0]
        indices = re.findall(r'class="editor-row[^"]*" data-index="(\d+)"', section)
        assert indices == [str(i) for i in range(count + 1)], kind  # stored rows + a blank one


def test_reordered_tasks_are_saved_in_their_new_order(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    data = editor_data(THREE_PART, auth.csrf(f"/author/scenarios/{slug}"))
    moved = {k: v for k, v in data.items() if k.startswith("tasks-3-")}
    rest = {k: v for k, v in data.items() if k not in moved}
    assert client.post(f"/author/scenarios/{slug}", data=moved | rest).status_code == 302
    assert [t["id"] for t in _draft(app, slug)["tasks"]] == [
        "racks",
        "patch-web",
        "patch-db",
        "photo-access",
    ]


def test_check_reports_colliding_rows_and_problems_link_to_fields(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = copy.deepcopy(THREE_PART)
    doc["tasks"][1]["component"] = ""
    data = editor_data(doc, auth.csrf(f"/author/scenarios/{slug}"))
    pairs = list(data.items()) + [("variants-0-title", "Copy")]
    body = client.post(
        f"/author/scenarios/{slug}/check",
        data=MultiDict(pairs),
        headers={"X-CSRFToken": data["csrf_token"]},
    ).get_json()
    assert body["form_errors"] == [SAME_INDEX.format(kind="variants")]
    missing = [p for p in body["problems"] if p["code"] == "missing" and p["task_id"]]
    assert missing == [
        {
            "code": "missing",
            "task_id": "patch-db",
            "field": "component",
            "component_id": None,
            "variant_id": None,
            "target": "tasks-1-component",
            "message": "Task 2, “Apply database engine patches”: choose a component.",
        }
    ]
    assert body["tasks"][1]["problems"][0]["field"] == "component"


def test_misconception_is_chosen_from_the_course_list_and_unknown_numbers_are_kept(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = copy.deepcopy(THREE_PART)
    doc["tasks"][0]["misconception"] = 4
    doc["tasks"][1]["misconception"] = 42
    client.post(
        f"/author/scenarios/{slug}", data=editor_data(doc, auth.csrf(f"/author/scenarios/{slug}"))
    )
    html = client.get(f"/author/scenarios/{slug}").get_data(as_text=True)
    first = re.search(r'<select id="tasks-0-misconception".*?</select>', html, re.S).group(0)
    assert re.search(r'<option value="4" selected>4\. The customer patches the hypervisor', first)
    assert first.count("<option") == 18  # none, and the course's 17
    second = re.search(r'<select id="tasks-1-misconception".*?</select>', html, re.S).group(0)
    assert '<option value="42" selected>42. (a number not in the course' in second
    assert "the common mistaken belief it tests" in text_of(html)


def test_assessment_settings_say_when_they_apply(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    html = client.get(f"/author/scenarios/{slug}").get_data(as_text=True)
    group = re.search(
        r'<fieldset class="assessment-only js-assessment-only">.*?</fieldset>', html, re.S
    ).group(0)
    assert "Used only when the mode is Assessment" in group
    for name in ("max_attempts", "feedback", "pass_score"):
        assert f'name="{name}"' in group


def test_a_refused_save_shows_the_settings_as_typed(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    data = editor_data(THREE_PART, auth.csrf(f"/author/scenarios/{slug}"))
    data |= {"mode": "assessment", "max_attempts": "lots", "pass_score": "150"}
    response = client.post(f"/author/scenarios/{slug}", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="max_attempts" name="max_attempts"[^>]*value="lots"', html)
    assert re.search(r'id="pass_score" name="pass_score"[^>]*value="150"', html)
    assert 'data-unsaved="yes"' in html  # the page asks before this work is left behind
