"""Views of the learner's pages: thin, form -> service -> render or redirect."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from ..domain import GradingError, ScenarioError, build_scenario, compare_variants
from ..domain.grader import check_variant
from ..extensions import csrf, db
from ..services import content
from ..services.attempts import best_scores, get_attempt, stored_result
from ..services.grading import AttemptLimitReached, grade_and_record
from ..services.learners import current_learner_id, current_viewer
from ..services.policy import AttemptStatus, attempt_status, settings_from_document
from ..services.visibility import for_attempt
from . import bp, pages
from .forms import BoardForm, answer_field, read_answers, read_order


def _playable(scenario_id: str):
    playable = content.find_published(db.session, scenario_id)
    if playable is None:
        abort(404, description="There is no scenario with that address.")
    return playable


def _variant(scenario, value: str | None) -> str | None:
    try:
        return check_variant(scenario, value or None)
    except GradingError:
        abort(404, description="This scenario has no variant of that name.")


@bp.get("/")
def catalogue():
    """Every published scenario with this learner's best score."""
    source = content.content()
    playables = content.published(db.session, source)
    best = best_scores(db.session, current_learner_id(create=False))
    entries = pages.catalogue([p.scenario for p in playables], source.rules, best)
    return render_template("learn/catalogue.html", entries=entries)


def _render_board(playable, variant, *, form=None, answers=None, order=None, errors=None,
                  status_code=200):
    scenario = playable.scenario
    status = _status(scenario.settings, scenario.id)
    tasks = pages.shuffled_tasks(scenario, order)
    form = form or BoardForm(formdata=None)
    form.variant.data = variant or ""
    form.task_order.data = ",".join(t.id for t in tasks)
    return render_template(
        "learn/board.html", scenario=scenario, variant=variant, tasks=tasks, form=form,
        zones=pages.zones(scenario), status=status, answers=answers or {},
        errors=errors or {}, answer_field=answer_field,
        components=pages.components(scenario, variant, content.rules()),
        variant_links=pages.variant_links(scenario, lambda v: url_for(
            "learn.board", scenario_id=scenario.id, variant=v)),
    ), status_code


def _status(settings, scenario_id: str):
    """Where the person looking stands on a scenario: their account's attempts when signed
    in, else this browser's. Practice shows none of it: no query then."""
    if settings.mode != "assessment":
        return AttemptStatus(settings, 0, None)
    viewer = current_viewer()
    return attempt_status(db.session, settings, scenario_id, viewer.learner_id,
                          getattr(viewer.user, "id", None))


@bp.get("/scenarios/<scenario_id>")
def board(scenario_id: str):
    """The board: context, variant switch, tray, zones; a plain form without JavaScript."""
    playable = _playable(scenario_id)
    variant = _variant(playable.scenario, request.args.get("variant"))
    return _render_board(playable, variant)


@bp.post("/scenarios/<scenario_id>")
@csrf.exempt  # BoardForm checks the token itself, so a stale one keeps the learner's choices
def submit(scenario_id: str):
    """Grade the board (form post, with or without JavaScript) and show the result page."""
    playable = _playable(scenario_id)
    scenario = playable.scenario
    form = BoardForm()
    variant = _variant(scenario, form.variant.data)
    answers, errors = read_answers(request.form, scenario)
    order = read_order(form.task_order.data, scenario)
    if not form.validate_on_submit():
        errors["_form"] = "The form had expired; your choices are kept, please check again."
    elif form.task_order.data and order is None:
        errors["_form"] = "This scenario changed while you were working; please check again."
    if errors:
        return _render_board(playable, variant, form=form, answers=answers, order=order,
                             errors=errors, status_code=400)
    try:
        current_learner_id()  # a new browser gets its learner cookie with this attempt
        graded = grade_and_record(db.session, playable, variant, answers, current_viewer(),
                                  task_order=order, source=content.content())
    except AttemptLimitReached:
        return _render_board(playable, variant, form=form, answers=answers, order=order,
                             status_code=403)
    except GradingError as exc:  # not expected after read_answers; never a 500
        errors["_form"] = "; ".join(exc.details)
        return _render_board(playable, variant, form=form, answers=answers, order=order,
                             errors=errors, status_code=400)
    db.session.commit()
    return redirect(url_for("learn.result", attempt_id=graded.attempt.id), code=303)


def _attempt(attempt_id: str):
    """The attempt, its stored result and what the person looking may see of it (403 for a
    class answer set they may not see at all)."""
    attempt = get_attempt(db.session, attempt_id)
    if attempt is None:
        abort(404, description="There is no attempt with that address.")
    stored = stored_result(db.session, attempt, content.rules())
    feedback = for_attempt(db.session, current_viewer(), attempt, stored.document)
    if not feedback.score:
        abort(403, description=feedback.note or "These answers are not yours to see.")
    return attempt, stored, feedback


@bp.get("/attempts/<attempt_id>")
def result(attempt_id: str):
    """A graded attempt: score, then every card (misplaced first) unless feedback is held back."""
    attempt, stored, feedback = _attempt(attempt_id)
    status = _status(settings_from_document(stored.document), attempt.scenario_slug)
    playable = content.find_published(db.session, attempt.scenario_slug)
    variants = stored.document.get("variants") or []  # the graded version's, like what-if
    others = []
    if any(v.get("id") == attempt.variant for v in variants):
        others = [v for v in variants if v.get("id") != attempt.variant]
    return render_template(
        "learn/result.html", attempt=attempt, stored=stored, status=status, feedback=feedback,
        results=pages.misplaced_first(stored.results), playable=playable, others=others,
        verdict_label=pages.verdict_label)


@bp.get("/attempts/<attempt_id>/what-if/<variant>")
def what_if(attempt_id: str, variant: str):
    """Side by side, from the version the attempt was graded against: who owns each task under
    the attempt's variant and under another one."""
    attempt, stored, feedback = _attempt(attempt_id)
    rules = content.rules()
    variants = {v.get("id"): v for v in stored.document.get("variants") or []}
    if attempt.variant not in variants or variant not in variants or variant == attempt.variant:
        abort(404, description="There is no such variant to compare with.")
    if not feedback.key:
        abort(403, description=feedback.note)
    playable = content.find_published(db.session, attempt.scenario_slug)
    try:
        scenario = build_scenario(stored.document, rules, attempt.scenario_slug)
    except ScenarioError:  # the rule set changed under that version: say so, never a 500
        rows = None
    else:
        rows = pages.comparison(compare_variants(scenario, rules, attempt.variant, variant))
    return render_template(
        "learn/what_if.html", attempt=attempt, title=stored.title, rows=rows,
        first=variants[attempt.variant], second=variants[variant],
        moved=sum(1 for r in rows if r.moves) if rows else 0,
        can_try=playable is not None and variant in playable.scenario.variant_ids)
