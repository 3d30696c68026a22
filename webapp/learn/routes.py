"""Views of the learner's pages: thin, form -> service -> render or redirect."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from ..domain import GradingError
from ..domain.grader import check_variant
from ..domain.schema import Mode
from ..extensions import csrf, db
from ..services import content
from ..services.attempts import best_scores
from ..services.grading import AttemptLimitReached
from ..services.policy import AttemptStatus, attempt_status
from ..services.visibility import for_card_check
from . import bp, pages
from . import catalogue as catalogue_view
from .forms import BoardForm, answer_field, read_answers, read_order
from .identity import current_learner_id, current_viewer, record_attempt


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
    """Every published scenario with this learner's best score: a start, times, filters."""
    source = content.content()
    playables = content.published(db.session, source)
    best = best_scores(db.session, current_learner_id(create=False))
    listing = catalogue_view.build(
        [p.scenario for p in playables], source.rules, best, request.args
    )
    return render_template("learn/catalogue.html", catalogue=listing)


def _render_board(
    playable, variant, *, form=None, answers=None, order=None, errors=None, status_code=200
):
    scenario = playable.scenario
    status = _status(scenario.settings, scenario.id)
    form = form or BoardForm(formdata=None)
    tasks = pages.prepare_board(form, scenario, variant, order)
    return render_template(
        "learn/board.html",
        scenario=scenario,
        variant=variant,
        tasks=tasks,
        form=form,
        zones=pages.zones(scenario),
        status=status,
        answers=answers or {},
        errors=errors or {},
        answer_field=answer_field,
        check_url=_check_url(scenario),
        components=pages.components(scenario, variant, content.rules()),
        variant_links=pages.variant_links(
            scenario, lambda v: url_for("learn.board", scenario_id=scenario.id, variant=v)
        ),
    ), status_code


def _check_url(scenario) -> str | None:
    """Where the board checks one card as it is placed, when this viewer may (practice)."""
    allowed = for_card_check(db.session, current_viewer(), scenario.id, scenario.settings)
    return url_for("api.check_card", scenario_id=scenario.id) if allowed.key else None


def _status(settings, scenario_id: str):
    """Where the person looking stands on a scenario: their account's attempts when signed
    in, else this browser's. Practice shows none of it: no query then."""
    if settings.mode != Mode.ASSESSMENT:
        return AttemptStatus(settings, 0, None)
    viewer = current_viewer()
    return attempt_status(
        db.session, settings, scenario_id, viewer.learner_id, getattr(viewer.user, "id", None)
    )


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

    def again(status_code: int):
        """The board once more, holding the learner's choices, with what went wrong."""
        return _render_board(
            playable,
            variant,
            form=form,
            answers=answers,
            order=order,
            errors=errors,
            status_code=status_code,
        )

    if errors:
        return again(400)
    try:
        graded = record_attempt(playable, variant, answers, order)
    except AttemptLimitReached:
        return again(403)
    except GradingError as exc:  # not expected after read_answers; never a 500
        errors["_form"] = "; ".join(exc.details)
        return again(400)
    db.session.commit()
    return redirect(url_for("learn.result", attempt_id=graded.attempt.id), code=303)
