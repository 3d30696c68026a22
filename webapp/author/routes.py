"""Author pages: the list, creating, editing with a live check, publishing and archiving."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.access import instructor_required
from ..domain import RuleSet, ScenarioError
from ..edge import fields_checked_by_form
from ..extensions import db
from ..services import authoring
from ..services.content import content
from ..services.scenario_check import check_document
from . import bp
from .access import Target, load
from .editor import EditorState, owner_summary, read_editor, state_from_document
from .forms import DuplicateForm, EditorForm, ImportForm, NewScenarioForm
from .keep import keep_unedited
from .misconceptions import misconception_choices


def _choices(provider: str | None = None):
    """Services grouped by model, and areas, as the editor's lists show them: those of the
    scenario's provider's rule set."""
    rules = provider_rules(provider)
    groups = [
        (name, [s for s in rules.services.values() if s.model == model])
        for model, name in rules.models.items()
    ]
    return {
        "service_groups": [(n, ss) for n, ss in groups if ss],
        "services": rules.services,
        "areas": sorted(rules.areas.values(), key=lambda a: a.name.lower()),
        "misconception_choices": misconception_choices,
        "owner_summary": owner_summary,
    }


def provider_rules(provider: Any) -> RuleSet:
    """The rule set of a document's provider (an unknown one: the default, whose check then
    names the problem)."""
    rules = content().rules
    return rules.providers.get(str(provider or rules.provider), rules)


def _render_editor(target: Target, state: EditorState, status: int = 200):
    """The editor (or the read-only view of a built-in) with the check's results."""
    doc = target.document
    report = check_document(doc, content().rules, target.slug)
    record = target.record
    version = authoring.current_version(record) if record else None
    return render_template(
        "author/edit.html",
        target=target,
        state=state,
        report=report,
        form=EditorForm(),
        version=version,
        unpublished=record is not None and authoring.has_unpublished_changes(record),
        readonly=target.builtin,
        **_choices(state.fields.get("provider")),
    ), status


@bp.get("/")
@instructor_required
def index():
    """My scenarios, the built-ins to start from, and the import form."""
    records = authoring.authored_for(db.session, current_user)
    builtins = list(content().library.scenarios.values())
    return render_template(
        "author/index.html",
        records=records,
        builtins=builtins,
        new_form=NewScenarioForm(),
        import_form=ImportForm(),
        current_version=authoring.current_version,
        unpublished=authoring.has_unpublished_changes,
    )


def _create(form: NewScenarioForm, source: dict | None, template: str, **context):
    """Create a scenario from a form (new or duplicate), or show the form with its errors."""
    if form.validate_on_submit():
        slug = (form.slug.data or "").strip() or authoring.free_slug(db.session, form.title.data)
        try:
            record = authoring.create_scenario(
                db.session, current_user, slug, form.title.data.strip(), source
            )
        except authoring.AuthoringError as exc:
            form.slug.errors = [*form.slug.errors, str(exc)]
        else:
            db.session.commit()
            flash("Scenario created. It is a draft until you publish it.", "success")
            return redirect(url_for("author.edit", slug=record.slug))
    status = 400 if request.method == "POST" else 200
    return render_template(template, form=form, **context), status


@bp.route("/new", methods=["GET", "POST"])
@fields_checked_by_form
@instructor_required
def new():
    """Start a scenario from scratch."""
    return _create(NewScenarioForm(), None, "author/new.html")


@bp.route("/scenarios/<slug>/duplicate", methods=["GET", "POST"])
@fields_checked_by_form
@instructor_required
def duplicate(slug: str):
    """Copy a scenario (a built-in or one of yours) into a new draft."""
    target = load(slug)
    form = DuplicateForm()
    if request.method == "GET":
        form.title.data = f"{target.document.get('title') or slug} (copy)"
        form.slug.data = authoring.free_slug(db.session, f"{slug}-copy")
    return _create(form, target.document, "author/duplicate.html", target=target)


@bp.get("/scenarios/<slug>")
@instructor_required
def edit(slug: str):
    """The editor; built-in scenarios open read-only."""
    target = load(slug)
    return _render_editor(target, state_from_document(target.document))


@bp.post("/scenarios/<slug>")
@fields_checked_by_form
@instructor_required
def save(slug: str):
    """Save the working copy; with action=publish, publish it too if it passes the check."""
    target = load(slug, edit=True)
    if not EditorForm().validate_on_submit():
        abort(400, "The form expired. Reload the page; your last saved version is kept.")
    rules = content().rules
    state, doc = read_editor(request.form, rules, slug)
    doc = keep_unedited(doc, target.document)
    if state.invalid:
        target.document = doc
        flash("Nothing was saved: fix the fields marked below.", "error")
        return _render_editor(target, state, 400)
    record = target.authored
    authoring.save_draft(db.session, record, doc, rules)
    if request.form.get("action") != "publish":
        db.session.commit()
        flash("Draft saved.", "success")
        return redirect(url_for("author.edit", slug=slug))
    try:
        version = authoring.publish(db.session, record, rules)
    except ScenarioError:
        db.session.commit()  # the draft is kept; publishing waits for the fixes
        flash("Draft saved, but not published: fix the problems listed first.", "error")
        return redirect(url_for("author.edit", slug=slug))
    db.session.commit()
    flash(
        f"Published as version {version.number}. Learners see it in the catalogue now.", "success"
    )
    return redirect(url_for("author.edit", slug=slug))


@bp.post("/scenarios/<slug>/check")
@fields_checked_by_form
@instructor_required
def check(slug: str):
    """The live check: problems and each task's derived party, for the form as typed (JSON)."""
    target = load(slug, edit=True)
    state, doc = read_editor(request.form, content().rules, slug)
    doc = keep_unedited(doc, target.document)
    report = check_document(doc, content().rules, slug)
    body = report.as_dict()
    body["problems"] = [p.as_dict() | {"target": state.field_for(p)} for p in report.problems]
    for row, task, derived in zip(state.tasks, body["tasks"], report.tasks, strict=True):
        task["index"] = row.index
        task["owner"] = owner_summary(derived)
        task["problems"] = [p.as_dict() for p in report.for_task(row["id"])]
    body["errors"] = state.errors
    body["form_errors"] = state.form_errors
    body["components"] = [
        {"index": r.index, "id": r["id"], "name": r["name"]} for r in state.components
    ]
    return jsonify(body)


def _lifecycle(slug: str, change, message: str):
    target = load(slug, edit=True)
    if not EditorForm().validate_on_submit():
        abort(400, "The form expired. Reload the page and try again.")
    change(db.session, target.authored)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("author.edit", slug=slug))


@bp.post("/scenarios/<slug>/archive")
@instructor_required
def archive(slug: str):
    """Take a scenario out of the catalogue (attempts and results stay)."""
    return _lifecycle(
        slug, authoring.archive, "Archived. Learners no longer see it; their results stay."
    )


@bp.post("/scenarios/<slug>/restore")
@instructor_required
def restore(slug: str):
    """Bring an archived scenario back as a draft."""
    return _lifecycle(slug, authoring.restore, "Restored as a draft.")
