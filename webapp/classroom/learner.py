"""Learner pages: join with a code and a nickname, then play along with the room."""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..cache import BoundedCache
from ..domain.phases import Phase
from ..edge import fields_checked_by_form
from ..extensions import db
from ..learn.forms import answer_field
from ..learn.pages import components, verdict_label, zones
from ..services.classroom import pacing, roster
from ..services.classroom import report as reports
from ..services.classroom import sessions as svc
from ..services.classroom.answers import AnswerSet, own_attempts, submit_answers
from ..services.classroom.errors import ClassError, Ended, Forbidden
from ..services.classroom.state import result_body, screen_key, variant_title
from ..services.content import rules
from ..services.visibility import for_class
from . import bp
from .access import cookie_token, set_participant_cookie
from .forms import ActionForm, JoinForm


def _participant_or_none(cs):
    try:
        return svc.participant_for(db.session, cs, cookie_token(cs.code))
    except ClassError:
        return None


@bp.route("/join", methods=["GET", "POST"])
@fields_checked_by_form
def join():
    """Enter the session code and a nickname."""
    form = JoinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = svc.normalise_code(request.args["code"])
        try:  # a learner who already joined (reload, lost connection) carries on
            cs = svc.live_session(db.session, form.code.data)
            if _participant_or_none(cs) is not None:
                return redirect(url_for("classroom.play", code=cs.code))
        except ClassError:
            pass
    launched = _launched()
    if launched is not None and request.method == "POST" and not form.nickname.data:
        form.nickname.data = launched[2] or "Learner"  # the course's name stands for it
    if form.validate_on_submit():
        try:
            cs = svc.live_session(db.session, form.code.data)
        except ClassError as exc:
            form.code.errors.append(_sentence(exc.message))
        else:
            if _participant_or_none(cs) is not None:
                return redirect(url_for("classroom.play", code=cs.code))
            try:
                _, token = _seat(cs, form.nickname.data)
            except ClassError as exc:
                db.session.rollback()
                field = form.code if isinstance(exc, (Forbidden, Ended)) else form.nickname
                field.errors.append(_sentence(exc.message))
            else:
                code = cs.code  # read before the commit expires it (a query afterwards)
                db.session.commit()
                response = redirect(url_for("classroom.play", code=code))
                return set_participant_cookie(response, code, token)
    status = 400 if request.method == "POST" else 200
    return render_template("classroom/join.html", form=form), status


def _launched() -> tuple[str, str, str | None] | None:
    from ..lti.passback import launched_seat_identity  # the LTI package builds on this one

    return launched_seat_identity()


def _seat(cs, nickname: str):
    """A seat for the learner: a learner launched from a course takes the seat the course
    roster gives them (their name there, the same seat when they come back); anyone else
    joins with their nickname."""
    launched = _launched()
    if launched is None:
        return svc.join(db.session, cs, nickname)
    issuer, sub, name = launched
    return roster.seat_lms_learner(db.session, cs, issuer, sub, name or nickname)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + "."


def _play_context(cs, participant, again: bool = False) -> dict:
    """Everything the learner's panel shows for the session's current moment.

    again: the learner asked to change answers they sent (shown the board again, holding
    their last answers) if the session lets them send another answer set.
    """
    if pacing.close_if_due(db.session, cs, rules()):
        db.session.commit()
    ctx = {
        "cs": cs,
        "participant": participant,
        "form": ActionForm(),
        "item": None,
        "view": None,
        "result": None,
        "answered": False,
        "finished": [],
        "leaderboard": reports.leaderboard(db.session, cs) if cs.show_leaderboard else [],
        "room": svc.active_count(db.session, cs) if cs.phase == Phase.LOBBY else None,
        "key": None,
        "note": "",
        "screen": screen_key(cs.phase, cs.current_index, cs.show_leaderboard),
        "answer_field": answer_field,
        "verdict_label": verdict_label,
        "result_card": result_card,
        "zones": [],
        "sets_left": cs.answer_sets,
        "again": False,
        "sent_by": None,
        "my_rank": None,
        "seconds_left": pacing.seconds_left(cs),
    }
    if participant is None:
        return ctx
    mine = own_attempts(db.session, participant)
    item = svc.current_scenario(cs)
    if item is not None and cs.phase != Phase.ENDED:
        _current_scenario(ctx, cs, participant, item, mine.get(item.id), again)
    if cs.phase == Phase.ENDED:
        ctx["finished"] = [_finished(cs, item, mine.get(item.id)) for item in cs.scenarios]
        if cs.show_leaderboard:
            ctx["my_rank"] = _rank_of(cs, participant)
    return ctx


def _current_scenario(ctx: dict, cs, participant, item, attempt, again: bool) -> None:
    """The panel for the scenario the session is on: its board while answering is open (the
    learner's draft or last answers on it), then their result or the key as the session
    lets them see it."""
    scenario = svc.scenario_of(db.session, item, rules())
    ctx.update(
        item=item,
        view={"title": scenario.title, "variant_title": variant_title(scenario, item.variant)},
    )
    ctx["answered"] = attempt is not None
    # a class answer set always has its try number
    sent = (attempt.class_try or 0) if attempt else 0
    ctx["sets_left"] = cs.answer_sets - sent
    is_open = cs.phase == Phase.OPEN
    draft = pacing.draft_of(db.session, participant.id, item) if is_open else None
    next_set = sent + 1
    held = draft.answers if draft is not None and draft.class_try == next_set else None
    if is_open and attempt is None:  # a reload keeps the placements
        ctx["board_html"] = board_html(cs, item, scenario, held or None, next_set)
    elif is_open and attempt is not None and (again or held) and ctx["sets_left"] > 0:
        ctx["again"] = True
        ctx["board_html"] = board_html(cs, item, scenario, held or attempt.answers, next_set)
    feedback = for_class(db.session, cs, item, sent)
    ctx["note"] = feedback.note
    if attempt is not None:
        ctx["result"] = _result(cs, attempt, feedback)
        ctx["sent_by"] = attempt.class_sent_by
        if cs.show_leaderboard and cs.phase == Phase.REVEALED:
            ctx["my_rank"] = _rank_of(cs, participant)
    elif feedback.key:
        ctx["key"] = reveal_key(item)


def _finished(cs, item, attempt) -> tuple[str, dict | None]:
    """A scenario of an ended session: its title (with the variant) and the learner's result."""
    scenario = svc.scenario_of(db.session, item, rules())
    title = scenario.title
    named = variant_title(scenario, item.variant)
    if named:
        title = f"{title} ({named})"
    sent = (attempt.class_try or 0) if attempt else 0
    feedback = for_class(db.session, cs, item, sent)
    return title, _result(cs, attempt, feedback) if attempt else None


def _result(cs, attempt, feedback) -> dict:
    """A learner's result as the session shows it, misplaced cards first when it shows them."""
    result = result_body(db.session, cs, attempt, rules(), feedback)
    if result["feedback"] == "shown":
        result["results"].sort(key=lambda r: bool(r.get("correct")))
    return result


def _rank_of(cs, participant) -> tuple[int, int] | None:
    """(the learner's place on the leaderboard, how many are on it); None if not on it."""
    rows = reports.leaderboard(db.session, cs, limit=svc.MAX_PARTICIPANTS_RANKED)
    place = next((r["rank"] for r in rows if r["nickname"] == participant.nickname), None)
    return (place, len(rows)) if place else None


def _worker_cache(name: str, size: int) -> BoundedCache:
    """This worker's cache of rendered HTML under `name` in the app's extensions."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, BoundedCache(size))
    return cache


_BOARD_CSRF = "\x00csrf\x00"
_BOARD_CACHE_SIZE = 256


def board_html(cs, item, scenario, answers: dict | None = None, answer_set: int = 1) -> Markup:
    """The board form for a session's scenario: the same for every learner but the CSRF token.

    300 learners fetch it within a second of "open", so each worker renders it once and
    keeps it (it depends only on immutable content and the session code). A board holding a
    learner's earlier answers (a later answer set, numbered so that a resent request is
    recognised) is theirs alone and is not kept.
    """

    def render() -> str:
        return render_template(
            "classroom/_play_board.html",
            cs=cs,
            item=item,
            scenario=scenario,
            variant=item.variant,
            tasks=scenario.tasks,
            zones=zones(scenario),
            components=components(scenario, item.variant, rules()),
            answer_field=answer_field,
            csrf_value=_BOARD_CSRF,
            answers=answers,
            answer_set=answer_set,
        )

    if answers:
        html = render()
    else:
        cache = _worker_cache("srm_class_boards", _BOARD_CACHE_SIZE)
        html = cache.get_or_build((cs.code, item.version_id, item.variant), render)
    return Markup(html.replace(_BOARD_CSRF, generate_csrf()))


_CARD_FIELDS = (
    "text",
    "component",
    "verdict",
    "given",
    "expected",
    "control",
    "task_explanation",
    "explanation",
    "source",
)
_CARD_CACHE_SIZE = 2048


def result_card(r: dict) -> Markup:
    """One result card (learn/_result_card.html) of a learner's panel, rendered once per
    worker for each distinct card: a room revealing at once shows the same few hundred
    cards (each task with each party a learner gave), and rendering them per learner was
    most of a panel's cost. The card depends on nothing but these fields."""
    key = tuple(r.get(name) for name in _CARD_FIELDS)
    cache = _worker_cache("srm_result_cards", _CARD_CACHE_SIZE)
    return Markup(
        cache.get_or_build(
            key,
            lambda: render_template("learn/_result_card.html", r=r, verdict_label=verdict_label),
        )
    )


def reveal_key(item) -> list[dict]:
    """For a learner who sent nothing, once visibility.for_class allows it (after the
    reveal): who owns each task, and why."""
    from ..domain import grade

    scenario = svc.scenario_of(db.session, item, rules())
    return [r.as_dict() for r in grade(scenario, item.variant, rules(), {}).results]


def _session_and_participant(code: str):
    """The session (404 if none) and this browser's participant in it (None if none): one
    query, as 300 learners fetch their panels at once when the host reveals."""
    return svc.session_and_participant(db.session, code, cookie_token(svc.normalise_code(code)))


@bp.get("/play/<code>")
def play(code: str):
    """The learner's screen; it follows the host by polling the session state."""
    cs, participant = _session_and_participant(code)
    if participant is None and cs.phase != Phase.ENDED:
        return redirect(url_for("classroom.join", code=cs.code))
    return render_template("classroom/play.html", **_play_context(cs, participant, _asked_again()))


def _asked_again() -> bool:
    return request.args.get("again") == "1"


@bp.get("/play/<code>/panel")
def play_panel(code: str):
    """The learner's panel alone, re-fetched by play.js when the state changes."""
    cs, participant = _session_and_participant(code)
    response = Response(
        render_template(
            "classroom/_play_panel.html", **_play_context(cs, participant, _asked_again())
        )
    )
    response.cache_control.no_store = True
    return response


@bp.post("/play/<code>")
def play_submit(code: str):
    """Answers sent by the plain form (play.js posts JSON to the API instead)."""
    cs, participant = _session_and_participant(code)
    if participant is None:
        return redirect(url_for("classroom.join", code=cs.code))
    if not ActionForm().validate_on_submit():
        flash("The form expired: send your answers again.", "error")
        return redirect(url_for("classroom.play", code=cs.code))
    prefix = answer_field("")
    answers = {
        key[len(prefix) :]: value
        for key, value in request.form.items()
        if key.startswith(prefix) and value
    }
    data: dict[str, Any] = {"scenario_id": request.form.get("scenario_id"), "answers": answers}
    if request.form.get("answer_set", "").isdigit():
        data["answer_set"] = int(request.form["answer_set"])
    try:
        submit_answers(db.session, AnswerSet(cs.code, cookie_token(cs.code), data), rules())
    except ClassError as exc:
        db.session.rollback()
        flash(_sentence(exc.message), "error")
    else:
        db.session.commit()
        flash("Your answers are in.", "success")
    return redirect(url_for("classroom.play", code=cs.code))
