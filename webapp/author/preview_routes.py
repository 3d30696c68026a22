"""Preview as learner: the draft on the learner's own board, graded on the spot, nothing stored."""

from __future__ import annotations

from flask import abort, render_template, request, url_for

from ..auth.access import instructor_required
from ..domain import GradingError, ScenarioError, build_scenario, grade
from ..domain.grader import check_variant
from ..extensions import csrf
from ..learn import pages
from ..learn.forms import BoardForm, answer_field, read_answers, read_order
from ..services.content import content
from . import bp
from .access import load


@bp.route("/scenarios/<slug>/preview", methods=["GET", "POST"])
@csrf.exempt  # BoardForm checks the token itself, so an expired one keeps the author's choices
@instructor_required
def preview(slug: str):
    """The working copy on the learner's board; checking answers grades it and records nothing."""
    target = load(slug)
    rules = content().rules
    try:
        scenario = build_scenario(target.document, rules, slug)
    except ScenarioError as exc:
        return render_template(
            "author/preview.html", target=target, scenario=None, problems=exc.details
        )
    form = BoardForm(formdata=request.form if request.method == "POST" else None)
    try:
        variant = check_variant(scenario, form.variant.data or request.args.get("variant") or None)
    except GradingError:
        abort(404, "This scenario has no variant of that name.")
    answers: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    order, report = None, None
    if request.method == "POST":
        answers, errors = read_answers(request.form, scenario)
        order = read_order(form.task_order.data, scenario)  # a changed draft just reshuffles
        if not form.validate_on_submit():
            errors["_form"] = "The form had expired; your choices are kept, please check again."
        if not errors:
            report = grade(scenario, variant, rules, answers)  # graded only: no attempt stored
    tasks = pages.prepare_board(form, scenario, variant, order)
    return render_template(
        "author/preview.html",
        target=target,
        scenario=scenario,
        variant=variant,
        form=form,
        report=report,
        results=pages.misplaced_first(report.results) if report else [],
        verdict_label=pages.verdict_label,
        tasks=tasks,
        zones=pages.zones(scenario),
        answers=answers,
        errors=errors,
        answer_field=answer_field,
        components=pages.components(scenario, variant, rules),
        variant_links=pages.variant_links(
            scenario, lambda v: url_for("author.preview", slug=target.slug, variant=v)
        ),
    ), 400 if errors else 200
