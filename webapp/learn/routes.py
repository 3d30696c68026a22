"""Views of the learner's pages: thin, form -> service -> render or redirect."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf

from ..domain import GradingError
from ..domain.grader import check_variant
from ..domain.schema import Mode
from ..extensions import csrf, db
from ..headers import csp_nonce
from ..services import content
from ..services.attempts import best_scores
from ..services.grading import AttemptLimitReached
from ..services.policy import AttemptStatus, attempt_status
from ..services.visibility import for_card_check
from . import bp, page_cache, pages
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
    scenarios = [p.scenario for p in playables]
    if not page_cache.cacheable():
        listing = catalogue_view.build(scenarios, source.rules, best, request.args)
        return render_template("learn/catalogue.html", catalogue=listing)
    shown = tuple((p.scenario.id, p.scenario.content_hash, p.version_id) for p in playables)
    whole = page_cache.pages().get_or_build(
        ("catalogue-filters", shown, source.rules.digest),
        lambda: catalogue_view.build(scenarios, source.rules, {}, {}),
    )
    filters = catalogue_view.read_filters(request.args, whole.entries)
    page = page_cache.cached(
        ("catalogue", shown, source.rules.digest, filters.model, filters.provider),
        lambda: page_cache.render(
            "learn/catalogue.html",
            catalogue=catalogue_view.build(scenarios, source.rules, _BestSlots(), request.args),
        ),
    )
    return page.fill(lambda name: _viewer_part(name, best))


class _BestSlots(dict):
    """Every scenario's best score as a slot (the catalogue rendered for every viewer)."""

    def get(self, key, _default=None):
        return page_cache.slot(f"best:{key}")


def _viewer_part(name: str, best: dict[str, float]) -> str:
    """A cached page's slot filled for this viewer."""
    if name == "csrf":
        return generate_csrf()
    if name == "nonce":
        return csp_nonce()
    return page_cache.best_score(best.get(name.removeprefix("best:")))


def _render_board(
    playable, variant, *, form=None, answers=None, order=None, errors=None, status_code=200
):
    scenario = playable.scenario
    status = _status(scenario.settings, scenario.id)
    check_url = _check_url(scenario)
    fresh = status.used == 0 and status.best is None  # the same for every new viewer
    if form is None and status_code == 200 and fresh and page_cache.cacheable():
        return _kept_board(playable, variant, status, check_url)
    form = form or BoardForm(formdata=None)
    tasks = pages.prepare_board(form, scenario, variant, order)
    return _board_template(
        scenario, variant, tasks, form, status, check_url, answers=answers, errors=errors
    ), status_code


def _board_template(
    scenario, variant, tasks, form, status, check_url, render=render_template, **extra
):
    return render(
        "learn/board.html",
        scenario=scenario,
        variant=variant,
        tasks=tasks,
        form=form,
        zones=pages.zones(scenario),
        status=status,
        answers=extra.pop("answers", None) or {},
        errors=extra.pop("errors", None) or {},
        answer_field=answer_field,
        check_url=check_url,
        components=pages.components(scenario, variant, content.rules()),
        variant_links=pages.variant_links(
            scenario, lambda v: url_for("learn.board", scenario_id=scenario.id, variant=v)
        ),
        **extra,
    )


def _kept_board(playable, variant, status, check_url) -> str:
    """The board rendered once per content, variant and card-check choice, its cards
    dealt in a fresh order and the token filled in for this viewer."""
    scenario = playable.scenario
    source = content.content()

    def render() -> page_cache.Board:
        form = BoardForm(formdata=None)
        form.csrf_token.current_token = page_cache.slot("csrf")
        form.variant.data = variant or ""
        form.task_order.data = page_cache.slot("order")
        html = _board_template(
            scenario,
            variant,
            list(scenario.tasks),
            form,
            status,
            check_url,
            render=page_cache.render,
            card_slot=page_cache.card_slot,
        )
        return page_cache.Board.compile(html)

    key = (
        "board",
        scenario.id,
        scenario.content_hash,
        playable.version_id,
        variant,
        source.rules.digest,
        check_url,
    )
    board = page_cache.pages().get_or_build(key, render)
    tasks = pages.shuffled_tasks(scenario)
    cards = "".join(board.cards[t.id] for t in tasks)
    order = ",".join(t.id for t in tasks)
    return board.page.fill(
        lambda name: (
            cards if name == "cards" else order if name == "order" else _viewer_part(name, {})
        )
    )


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
