"""Scenario files in the browser: download any scenario as YAML, upload several at once."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user

from ..auth.access import instructor_required
from ..domain import ScenarioError
from ..extensions import db
from ..services import authoring
from ..services.content import content
from ..services.scenario_yaml import Upload, dump_yaml, import_files
from . import bp
from .access import load
from .forms import ImportForm, NewScenarioForm

MAX_FILE = 256 * 1024


@bp.get("/scenarios/<slug>/export.yaml")
@instructor_required
def export(slug: str):
    """The scenario as a YAML file in the format of scenarios/*.yaml."""
    target = load(slug)
    return Response(
        dump_yaml(target.document),
        mimetype="application/x-yaml",
        headers={"Content-Disposition": f'attachment; filename="{slug}.yaml"'},
    )


@bp.route("/import", methods=["GET", "POST"])
@instructor_required
def import_page():
    """Upload scenario files: all are imported, or none (with file:line problems)."""
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        uploads = []
        for storage in form.files.data or []:
            if not storage or not storage.filename:
                continue
            data = storage.read(MAX_FILE + 1)
            if len(data) > MAX_FILE:
                problems.append(f"{storage.filename}: larger than {MAX_FILE // 1024} KB")
            uploads.append(Upload(storage.filename, data))
        if not problems:
            try:
                records = import_files(db.session, uploads, current_user, content().rules)
            except ScenarioError as exc:
                db.session.rollback()
                problems = exc.details
            else:
                db.session.commit()
                names = ", ".join(r.slug for r in records)
                flash(f"Imported {len(records)} scenario(s) as drafts: {names}.", "success")
                if len(records) == 1:
                    return redirect(url_for("author.edit", slug=records[0].slug))
                return redirect(url_for("author.index"))
    elif form.is_submitted():
        problems = ["The form expired. Choose the files again."]
    status = 400 if problems else 200
    records = authoring.authored_for(db.session, current_user)
    return render_template(
        "author/index.html",
        records=records,
        builtins=list(content().library.scenarios.values()),
        new_form=NewScenarioForm(formdata=None),
        import_form=form,
        import_problems=problems,
        current_version=authoring.current_version,
        unpublished=authoring.has_unpublished_changes,
    ), status
