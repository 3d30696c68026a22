"""The scenario editor: create, derived answers, the no-rule check, publish, archive, duplicate."""

from __future__ import annotations

import copy
import re

from sqlalchemy import select

from tests.author_helpers import (
    THREE_PART,
    create_scenario,
    editor_data,
    form_fields,
    grade,
    save,
    signed_in,
    text_of,
)
from tests.conftest import count_rows
from tests.learn_helpers import hidden_fields as learn_hidden_fields
from webapp.extensions import db
from webapp.models import Attempt, AttemptAnswer, ScenarioRecord, ScenarioVersion


def _record(app, slug):
    with app.app_context():
        record = db.session.execute(
            select(ScenarioRecord).where(ScenarioRecord.slug == slug)
        ).scalar_one()
        db.session.expunge(record)
        return record


def test_new_scenario_is_a_private_draft(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    record = _record(app, slug)
    assert (record.status, record.origin) == ("draft", "authored")
    assert client.get("/api/v1/scenarios/shop").status_code == 404
    assert "shop" not in client.get("/api/v1/scenarios").get_data(as_text=True)


def test_new_scenario_id_defaults_from_the_title(app):
    client, auth = signed_in(app)
    response = client.post(
        "/author/new",
        data={"title": "Lambda & friends!", "slug": "", "csrf_token": auth.csrf("/author/")},
    )
    assert response.headers["Location"].endswith("/author/scenarios/lambda-friends")


def test_new_scenario_cannot_take_a_builtin_id(app):
    client, auth = signed_in(app)
    response = client.post(
        "/author/new",
        data={"title": "Mine", "slug": "s3-vpc-ec2-oracle", "csrf_token": auth.csrf("/author/")},
    )
    assert response.status_code == 400
    assert "is a built-in scenario" in response.get_data(as_text=True)
    assert count_rows(app, ScenarioRecord) == 0


def test_new_scenario_bad_id_gets_a_message_next_to_the_field(app):
    client, auth = signed_in(app)
    response = client.post(
        "/author/new",
        data={"title": "Mine", "slug": "Not An Id", "csrf_token": auth.csrf("/author/")},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="slug-error"' in html
    assert "lowercase letters" in html
    assert count_rows(app, ScenarioRecord) == 0


def test_editor_shows_derived_answers_per_variant_and_flags_no_rule(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = copy.deepcopy(THREE_PART)
    # photos in S3 have no guest OS: no rule decides this pair
    doc["tasks"].append(
        {
            "id": "patch-photos",
            "text": "Patch the photo store's OS",
            "component": "files",
            "area": "guest-os-patching",
        }
    )
    assert save(client, auth, slug, doc).status_code == 302
    page = text_of(client.get(f"/author/scenarios/{slug}").get_data(as_text=True))
    assert "Database on EC2: Customer" in page
    assert "Database on RDS: AWS" in page  # engine patches move to AWS on RDS
    assert "No rule" in page
    # the check names the task, the area and the component as the editor's lists do
    assert (
        "Task 5, “Patch the photo store's OS”: the rule set does not decide “Operating "
        "system patching” for “Product photos” on Amazon S3. Pick another area or "
        "component."
    ) in page  # said once: it holds in both variants

    # publishing is refused until fixed; the draft is kept
    response = save(client, auth, slug, doc, action="publish")
    assert response.status_code == 302
    assert _record(app, slug).status == "draft"
    assert count_rows(app, ScenarioVersion) == 0
    assert "not published" in client.get(f"/author/scenarios/{slug}").get_data(as_text=True)

    doc["tasks"][-1]["area"] = "customer-data"
    save(client, auth, slug, doc, action="publish")
    assert _record(app, slug).status == "published"
    listed = client.get("/api/v1/scenarios").get_json()["scenarios"]
    assert "shop" in [s["id"] for s in listed]


def test_live_check_endpoint_uses_the_lint_checks(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = copy.deepcopy(THREE_PART)
    doc["tasks"][0]["area"] = "db-backups"  # no rule for db-backups on ec2? (it has one)
    doc["tasks"][2]["area"] = "security-groups"  # S3 has no security groups: no rule
    doc["tasks"].append(
        {
            "id": "db-apps",
            "text": "Update the tools on the database server",
            "component": "db",
            "area": "application-software",
        }
    )  # not on RDS
    data = editor_data(doc, auth.csrf(f"/author/scenarios/{slug}"))
    response = client.post(
        f"/author/scenarios/{slug}/check", data=data, headers={"X-CSRFToken": data["csrf_token"]}
    )
    body = response.get_json()
    assert response.status_code == 200
    assert body["ok"] is False
    flagged = [t["index"] for t in body["tasks"] if t["flagged"]]
    assert flagged == [2, 4]
    assert body["tasks"][2]["derived"][0]["party"] is None
    assert body["tasks"][1]["derived"][1] | {"explanation": ""} == {
        "variant": "db-on-rds",
        "variant_title": "Database on RDS",
        "service": "rds",
        "service_name": "Amazon RDS",
        "party": "aws",
        "party_name": "AWS",
        "explanation": "",
        "source": body["tasks"][1]["derived"][1]["source"],
        "outside_parties": False,
        "control": "shared",
        "control_name": "Shared control",
        "task_explanation": None,
    }
    # the problem `srm-trainer lint` reports for this pair, as data: what, which task and
    # field, the form field to go to, and a message in the names the editor shows
    no_rule = [p for p in body["problems"] if p["code"] == "no-rule"]
    assert [(p["task_id"], p["field"], p["variant_id"], p["target"]) for p in no_rule] == [
        ("photo-access", "area", None, "tasks-2-area"),  # once for both variants
        ("db-apps", "area", "db-on-rds", "tasks-4-area"),
    ]
    assert no_rule[0]["message"] == (
        "Task 3, “Decide who may read the photos”: the rule set does not decide “Security "
        "groups” for “Product photos” on Amazon S3. Pick another area or component."
    )
    assert no_rule[1]["message"] == (
        "Task 5, “Update the tools on the database server”: the rule set does not decide "
        "“Application software” for “Orders database” on Amazon RDS in the variant "
        "“Database on RDS”. Pick another area or component."
    )
    assert body["tasks"][2]["owner"] == "⚠ No rule decides it"
    assert body["tasks"][1]["owner"] == "Database on EC2: Customer · Database on RDS: AWS"
    assert body["tasks"][2]["problems"] == []  # the row's own list shows the no-rule already
    assert _record(app, slug).draft["tasks"] == []  # checking stores nothing


def test_check_endpoint_needs_csrf(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    data = editor_data(THREE_PART, "not-a-token")
    assert client.post(f"/author/scenarios/{slug}/check", data=data).status_code == 400


def test_bad_form_input_changes_nothing(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART)
    before = _record(app, slug).draft
    data = editor_data(THREE_PART, auth.csrf(f"/author/scenarios/{slug}"))
    data["components-0-service"] = "not-a-service"
    data["tasks-1-text"] = "x" * 301
    data["max_attempts"] = "lots"
    data["title"] = "A new title that must not be stored"
    response = client.post(f"/author/scenarios/{slug}", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was saved" in html
    assert 'id="components-0-service-error"' in html
    assert 'id="tasks-1-text-error"' in html
    assert "under 300 characters" in html
    assert 'id="max_attempts-error"' in html
    assert 'value="A new title that must not be stored"' in html  # what was typed stays
    assert _record(app, slug).draft == before


def test_removed_rows_and_blank_rows_are_dropped(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    data = editor_data(THREE_PART, auth.csrf(f"/author/scenarios/{slug}"))
    data["tasks-3-remove"] = "on"
    data |= {"tasks-9-id": "", "tasks-9-text": "", "tasks-9-component": "", "tasks-9-area": ""}
    data |= {
        "tasks-7-id": "",
        "tasks-7-text": "Encrypt the exports before upload",
        "tasks-7-component": "files",
        "tasks-7-area": "client-side-encryption",
    }
    assert client.post(f"/author/scenarios/{slug}", data=data).status_code == 302
    tasks = _record(app, slug).draft["tasks"]
    assert [t["id"] for t in tasks] == [
        "patch-web",
        "patch-db",
        "photo-access",
        "encrypt-the-exports-before-upload",
    ]


def test_published_scenario_is_playable_and_edits_wait_for_publish(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART, action="publish")
    learner = app.test_client()
    view = learner.get(f"/api/v1/scenarios/{slug}?variant=db-on-rds").get_json()
    assert [t["id"] for t in view["tasks"]] == ["patch-web", "patch-db", "photo-access", "racks"]
    assert "expected" not in str(view)
    assert "party" not in str(view["tasks"])
    report = grade(learner, slug, {"patch-web": "customer", "patch-db": "aws"}, "db-on-rds")
    assert report.status_code == 200, report.get_json()
    assert report.get_json()["correct"] == 2

    changed = copy.deepcopy(THREE_PART)
    changed["title"] = "Shop, second edition"
    save(client, auth, slug, changed)
    assert learner.get(f"/api/v1/scenarios/{slug}").get_json()["title"] == THREE_PART["title"]
    assert "Unpublished changes" in client.get(f"/author/scenarios/{slug}").get_data(as_text=True)
    save(client, auth, slug, changed, action="publish")
    assert learner.get(f"/api/v1/scenarios/{slug}").get_json()["title"] == "Shop, second edition"


def test_editing_a_scenario_with_attempts_makes_a_new_version(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART, action="publish")
    # without attempts, publishing again keeps one version
    fixed = copy.deepcopy(THREE_PART)
    fixed["tasks"][0]["text"] = "Patch the web server's guest operating system"
    save(client, auth, slug, fixed, action="publish")
    assert count_rows(app, ScenarioVersion) == 1

    learner = app.test_client()
    first = grade(learner, slug, {"patch-web": "customer"}).get_json()
    edited = copy.deepcopy(fixed)
    edited["tasks"][0]["text"] = "Keep the web server's OS patched every month"
    save(client, auth, slug, edited, action="publish")
    assert count_rows(app, ScenarioVersion) == 2
    second = grade(learner, slug, {"patch-web": "customer"}).get_json()

    with app.app_context():
        versions = {
            a.id: db.session.get(ScenarioVersion, a.version_id).number
            for a in db.session.execute(select(Attempt)).scalars()
        }
    assert versions == {first["attempt_id"]: 1, second["attempt_id"]: 2}
    old = learner.get(f"/api/v1/attempts/{first['attempt_id']}").get_json()
    assert old["results"][0]["text"] == "Patch the web server's guest operating system"
    old_page = learner.get(f"/attempts/{first['attempt_id']}").get_data(as_text=True)
    assert "Patch the web server&#39;s guest operating system" in old_page
    new = learner.get(f"/api/v1/attempts/{second['attempt_id']}").get_json()
    assert new["results"][0]["text"] == "Keep the web server's OS patched every month"


def test_archive_hides_and_restore_brings_back_as_draft(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART, action="publish")
    learner = app.test_client()
    attempt = grade(learner, slug, {"patch-web": "customer"}).get_json()["attempt_id"]
    token = auth.csrf(f"/author/scenarios/{slug}")
    assert (
        client.post(f"/author/scenarios/{slug}/archive", data={"csrf_token": token}).status_code
        == 302
    )
    assert learner.get(f"/api/v1/scenarios/{slug}").status_code == 404
    assert learner.get(f"/api/v1/attempts/{attempt}").status_code == 200  # results stay
    client.post(f"/author/scenarios/{slug}/restore", data={"csrf_token": token})
    assert _record(app, slug).status == "draft"
    assert learner.get(f"/api/v1/scenarios/{slug}").status_code == 404


def test_builtins_are_read_only_and_duplicable(app):
    client, auth = signed_in(app)
    page = client.get("/author/scenarios/s3-vpc-ec2-oracle").get_data(as_text=True)
    assert "read-only" in page
    assert '<fieldset class="editor__all" disabled>' in page
    data = editor_data(THREE_PART, auth.csrf("/author/"))
    assert client.post("/author/scenarios/s3-vpc-ec2-oracle", data=data).status_code == 403
    response = client.post(
        "/author/scenarios/s3-vpc-ec2-oracle/duplicate",
        data={
            "title": "Oracle for my class",
            "slug": "oracle-class",
            "csrf_token": auth.csrf("/author/"),
        },
    )
    assert response.status_code == 302
    record = _record(app, "oracle-class")
    assert record.draft["title"] == "Oracle for my class"
    assert len(record.draft["tasks"]) == len(
        app.extensions["srm_content"].library.get("s3-vpc-ec2-oracle").tasks
    )
    # the copy opens in the editor and passes the check as it is
    page = client.get("/author/scenarios/oracle-class").get_data(as_text=True)
    assert "Ready to publish" in page


def test_duplicate_suggests_a_free_id(app):
    client, auth = signed_in(app)
    page = client.get("/author/scenarios/s3-vpc-ec2-oracle/duplicate").get_data(as_text=True)
    assert 'value="s3-vpc-ec2-oracle-copy"' in page


def test_preview_is_the_learners_board_with_no_answers(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART)  # a draft can be previewed
    page = client.get(f"/author/scenarios/{slug}/preview?variant=db-on-rds")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    # the learner's board: its module, its named zones and its button, posting back here
    assert 'data-module="board"' in html
    assert "js/board.js" in html
    zones = re.findall(r'<h3 class="zone__title" id="zone-(\w+)">.*?</span>([^<]+)</h3>', html)
    assert zones == [("aws", "AWS"), ("customer", "Customer")]
    assert re.search(
        r'<button class="button button--primary" type="submit">Check answers</button>', html
    )
    assert f'action="/author/scenarios/{slug}/preview"' in html
    assert learn_hidden_fields(html)["variant"] == "db-on-rds"
    text = text_of(html)
    assert "Preview" in text
    assert "Apply database engine patches" in text
    assert 'aria-current="page">' in html
    assert "Database on RDS" in text
    # nothing before checking: no verdicts, no expected party, no explanation
    assert "Expected" not in text
    assert "Score:" not in text
    rule = app.extensions["srm_content"].rules.lookup("db-engine-patching", "rds")
    assert rule.explanation not in text


def test_preview_grades_on_the_server_and_records_nothing(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART, action="publish")
    learner = app.test_client()
    assert grade(learner, slug, {"patch-web": "customer"}).status_code == 200
    before = (
        count_rows(app, Attempt),
        count_rows(app, AttemptAnswer),
        count_rows(app, ScenarioVersion),
    )
    assert before[0] == 1
    html = client.get(f"/author/scenarios/{slug}/preview?variant=db-on-rds").get_data(as_text=True)
    data = learn_hidden_fields(html)
    data.update({"answer-patch-db": "customer", "answer-racks": "aws"})
    response = client.post(f"/author/scenarios/{slug}/preview", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(html)
    assert "Score: 1 of 4" in text
    # the result cards of the learner's result page: choice, expected party, the rule's why
    card = re.search(r'<li class="result result--incorrect">.*?</li>', html, re.S).group(0)
    assert "Apply database engine patches" in card
    assert "Your choice</dt><dd>Customer" in card
    assert "Expected</dt><dd>AWS" in card
    # the board again, with the choices kept in the same order, still posting to the preview
    assert 'value="customer" checked' in html
    assert learn_hidden_fields(html)["task_order"] == data["task_order"]
    after = (
        count_rows(app, Attempt),
        count_rows(app, AttemptAnswer),
        count_rows(app, ScenarioVersion),
    )
    assert after == before


def test_preview_keeps_choices_when_the_form_expired_or_a_value_is_bad(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    save(client, auth, slug, THREE_PART)
    response = client.post(
        f"/author/scenarios/{slug}/preview",
        data={"csrf_token": "stale", "variant": "db-on-ec2", "answer-racks": "aws"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The form had expired" in html
    assert 'value="aws" checked' in html
    response = client.post(
        f"/author/scenarios/{slug}/preview",
        data={
            "csrf_token": auth.csrf(f"/author/scenarios/{slug}/preview"),
            "answer-racks": "nobody",
        },
    )
    assert response.status_code == 400
    assert "Choose AWS or Customer." in response.get_data(as_text=True)
    assert count_rows(app, Attempt) == 0


def test_preview_of_a_draft_with_problems_lists_them(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    html = client.get(f"/author/scenarios/{slug}/preview").get_data(as_text=True)
    assert "needs a scenario that passes the check" in html
    assert "at least one component" in html or "needs at least one" in html


def test_author_script_never_reaches_a_learner_page(app):
    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = copy.deepcopy(THREE_PART)
    doc["description"] = (
        "Hello <script>alert('x')</script> and "
        "[link](javascript:alert(1)) <img src=x onerror=alert(2)>"
    )
    save(client, auth, slug, doc, action="publish")
    learner = app.test_client()
    page = learner.get(f"/scenarios/{slug}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>alert" not in html
    assert 'href="javascript' not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html  # shown as text, harmless


def test_the_rendered_editor_form_posts_back_unchanged(app):
    """The page works without JavaScript: submitting it as rendered keeps the scenario."""
    from tests.author_helpers import form_fields

    client, auth = signed_in(app)
    slug = create_scenario(client, auth)
    doc = copy.deepcopy(THREE_PART)
    doc["parties"] = ["aws", "customer", "shared"]
    doc["tasks"][0]["misconception"] = 3
    doc["settings"] = {
        "mode": "assessment",
        "max_attempts": 2,
        "feedback": "after-last",
        "pass_score": 0.7,
    }
    save(client, auth, slug, doc)
    before = _record(app, slug).draft
    fields = form_fields(client.get(f"/author/scenarios/{slug}").get_data(as_text=True))
    assert "components-0-name" in fields
    assert "tasks-3-area" in fields
    # a blank row to fill in is offered after the stored ones
    assert fields["tasks-4-text"] == ""
    assert fields["components-3-name"] == ""
    fields["action"] = "save"
    assert client.post(f"/author/scenarios/{slug}", data=fields).status_code == 302
    assert _record(app, slug).draft == before
    assert before["settings"] == doc["settings"]
    assert before["tasks"][0]["misconception"] == 3


def test_an_azure_copy_keeps_its_provider_through_the_editor(app):
    client, auth = signed_in(app)
    response = client.post(
        "/author/scenarios/azure-vm-line-of-business/duplicate",
        data={
            "title": "Azure VMs for my class",
            "slug": "azure-class",
            "csrf_token": auth.csrf("/author/"),
        },
    )
    assert response.status_code == 302
    page = client.get("/author/scenarios/azure-class").get_data(as_text=True)
    assert 'name="provider" value="azure"' in page
    assert "azure-virtual-machines" in page  # the Azure services are offered
    fields = form_fields(page)
    assert fields["provider"] == "azure"
    assert client.post("/author/scenarios/azure-class", data=fields).status_code == 302
    draft = _record(app, "azure-class").draft
    assert draft["provider"] == "azure"
    assert draft["parties"][0] == "microsoft"
    # the saved copy still passes the check as it is
    assert "Ready to publish" in client.get("/author/scenarios/azure-class").get_data(as_text=True)
