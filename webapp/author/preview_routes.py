"""Preview as learner: the draft on a board, graded on the spot, with nothing recorded."""

from __future__ import annotations

from flask import abort, render_template, request

from ..auth.access import instructor_required
from ..domain import GradingError, ScenarioError, build_scenario, grade
from ..domain.grader import check_variant
from ..domain.rules import PARTY_NAMES
from ..services.content import content
from . import bp
from .access import load
from .forms import EditorForm


@bp.route("/scenarios/<slug>/preview", methods=["GET", "POST"])
@instructor_required
def preview(slug: str):
    """The working copy as a learner sees it; checking answers records no attempt."""
    target = load(slug)
    rules = content().rules
    try:
        scenario = build_scenario(target.document, rules, slug)
    except ScenarioError as exc:
        return render_template("author/preview.html", target=target, scenario=None,
                               problems=exc.details), 200
    form = EditorForm()
    try:
        variant = check_variant(scenario, request.values.get("variant") or None)
    except GradingError:
        abort(404, "This scenario has no variant of that name.")
    report = None
    answers: dict[str, str | None] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, "The form expired. Reload the preview and try again.")
        answers = {t.id: request.form.get(f"answer-{t.id}") or None for t in scenario.tasks}
        answers = {k: v for k, v in answers.items() if v in scenario.parties}
        report = grade(scenario, variant, rules, answers)
    services = scenario.services_for(variant)
    components = [(c, rules.services[services[c.id]]) for c in scenario.components]
    return render_template(
        "author/preview.html", target=target, scenario=scenario, variant=variant, form=form,
        report=report, answers=answers, components=components, problems=[],
        zones=[(p, PARTY_NAMES[p]) for p in ("aws", "shared", "customer")
               if p in scenario.parties])
