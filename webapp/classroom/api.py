"""JSON endpoints of class sessions, /api/v1/sessions: same error style as the rest of /api/v1.

Learner calls authenticate with the participant token (body, or the cookie set on join);
host calls need the host's instructor login and the X-CSRFToken header.
"""

from __future__ import annotations

from types import SimpleNamespace

from flask import Response, current_app, jsonify, request, url_for
from flask_login import current_user

from ..api.errors import ApiError, json_body
from ..domain.phases import Phase
from ..domain.text import quote
from ..extensions import db, limiter
from ..services.classroom import pacing
from ..services.classroom import report as reports
from ..services.classroom import sessions as svc
from ..services.classroom.answers import (
    AnswerSet,
    check_answer_set,
    own_attempts,
    submit_answers,
)
from ..services.classroom.errors import ClassError
from ..services.classroom.host import host_dashboard
from ..services.classroom.state import result_body, state_body, state_head, withheld_body
from ..services.content import rules
from ..services.visibility import for_class
from . import api_bp
from .access import api_host, cookie_token, set_participant_cookie
from .poll import ROOM_COUNT, etag_of, install, poller

HOST_ACTIONS = ",".join(svc.HOST_ACTIONS)  # the route pattern, from the transition table

# learners' state polls are answered in front of Flask when nothing changed
api_bp.record_once(lambda setup: install(setup.app))


def _urls(code: str) -> dict[str, str]:
    return {
        "join_url": url_for("classroom.join", code=code, _external=True),
        "host_url": url_for("classroom.host_session", code=code, _external=True),
    }


@api_bp.post("")
def create():
    """Start a session from published scenarios (instructor): returns its code and join URL."""
    api_host()
    data = json_body()
    unknown = sorted(set(data) - {"scenarios", "feedback", "answer_sets"})
    if unknown:
        raise ApiError(
            400, "invalid session request", [f"unknown field {quote(k)}" for k in unknown]
        )
    feedback = data.get("feedback", "after-reveal")
    if feedback not in ("after-reveal", "immediate"):
        raise ApiError(
            400, "invalid session request", ["'feedback' must be 'after-reveal' or 'immediate'"]
        )
    answer_sets = svc.check_answer_sets(data.get("answer_sets", 1))
    picks = svc.parse_picks(db.session, data.get("scenarios"))
    cs = svc.create_session(
        db.session,
        current_user,
        picks,
        feedback_after_reveal=feedback == "after-reveal",
        answer_sets=answer_sets,
    )
    db.session.commit()
    return jsonify({"code": cs.code, **_urls(cs.code)}), 201


@api_bp.post(f"/<code>/<any({HOST_ACTIONS}):action>")
def host_action(code: str, action: str):
    """Pacing (host): open, close, reveal, next, end. 409 when the phase does not allow it,
    or when the session is no longer in the expected phase and position (a repeated click).

    Body (optional): {"expect_phase", "expect_position", "countdown": seconds (with open)};
    other fields are ignored, as before these existed.
    """
    cs = api_host(code)
    data = json_body() if request.content_length else {}
    expect = svc.check_expect(data)
    countdown = pacing.check_countdown(data.get("countdown"))
    pacing.pace(db.session, cs, action, rules(), expect=expect, countdown=countdown)
    db.session.commit()
    return jsonify(
        {
            "code": cs.code,
            "phase": cs.phase,
            "version": cs.state_version,
            "position": cs.current_index + 1,
            "seconds_left": pacing.seconds_left(cs),
        }
    )


def _flag(code: str, name: str, setter) -> Response:
    """A host's on/off switch: {name: true|false}."""
    cs = api_host(code)
    value = json_body().get(name)
    if not isinstance(value, bool):
        raise ApiError(400, "invalid request", [f"'{name}' must be true or false"])
    setter(db.session, cs, value)
    db.session.commit()
    return jsonify({name: value, "version": cs.state_version})


@api_bp.post("/<code>/lock")
def lock(code: str):
    """Lock or unlock joining (host): {"locked": true|false}. Learners in it carry on."""
    return _flag(code, "locked", svc.set_join_locked)


@api_bp.post("/<code>/live")
def live(code: str):
    """Show the room's placements while answering is open (host): {"show": true|false}."""
    return _flag(code, "show", svc.set_show_live)


@api_bp.post("/<code>/leaderboard")
def leaderboard(code: str):
    """Show or hide the leaderboard (host): {"show": true|false}."""
    cs = api_host(code)
    show = json_body().get("show")
    if not isinstance(show, bool):
        raise ApiError(400, "invalid request", ["'show' must be true or false"])
    svc.set_leaderboard(db.session, cs, show)
    db.session.commit()
    return jsonify({"show_leaderboard": cs.show_leaderboard, "version": cs.state_version})


@api_bp.post("/<code>/participants/<int:participant_id>/remove")
def remove(code: str, participant_id: int):
    """Remove a participant (host): their token stops working."""
    cs = api_host(code)
    participant = svc.remove_participant(db.session, cs, participant_id)
    db.session.commit()
    return jsonify({"removed": participant.nickname})


@api_bp.get("/<code>/dashboard")
def dashboard(code: str):
    """Live counts for the host: joined, who has answered, per-task shares per zone (after
    answering closes, or live when the host turned that on)."""
    cs = api_host(code, check_csrf=False)
    if pacing.close_if_due(db.session, cs, rules()):
        db.session.commit()
    response = jsonify(host_dashboard(db.session, cs, rules()))
    response.cache_control.no_store = True
    return response


@api_bp.get("/<code>/report")
def report(code: str):
    """The session report (host), as JSON or ?format=csv (&table=answers|tasks)."""
    cs = api_host(code, check_csrf=False)
    data = reports.report(db.session, cs, rules())
    fmt = request.args.get("format", "json")
    if fmt == "json":
        return jsonify(data)
    table = request.args.get("table", "answers")
    if fmt != "csv" or table not in ("answers", "tasks"):
        raise ApiError(
            400,
            "unknown report format",
            ["use format=json, or format=csv with table=answers or table=tasks"],
        )
    filename = f"session-{cs.code}-{table}.csv"
    return Response(
        reports.report_csv(data, table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@api_bp.post("/<code>/join")
def join(code: str):
    """Join a session with a nickname: returns a participant token (also set as a cookie)."""
    cs = svc.live_session(db.session, code)
    data = json_body()
    participant, token = svc.join(db.session, cs, data.get("nickname"))
    # read before the commit expires them: afterwards each would cost a query
    code, nickname = cs.code, participant.nickname
    db.session.commit()
    response = jsonify(
        {
            "participant_token": token,
            "nickname": nickname,
            "play_url": url_for("classroom.play", code=code),
        }
    )
    response.status_code = 201
    return set_participant_cookie(response, code, token)


@api_bp.get("/<code>/state")
@limiter.exempt  # a class behind one school address polls from a single IP
def state(code: str):
    """What learners' screens show now. ETag = state version; If-None-Match gives 304.

    Most polls never get here: webapp.classroom.poll answers unchanged and
    already-built states in front of Flask. This view answers the rest and builds the body
    that the fast path then serves for the same version.
    """
    head = state_head(db.session, code)
    if head.phase == Phase.ENDED:
        raise ClassError.ended()
    if _close_if_due(head, code):
        head = state_head(db.session, code)
    if request.if_none_match.contains(etag_of(head.state_version)):
        response = Response(status=304)
        version = head.state_version
    else:
        data = state_body(db.session, head.id, rules())
        version = data["version"]  # may be newer than the head: the body and ETag agree
        response = jsonify(data)
        fast = poller(current_app)
        if fast is not None:
            fast.remember_body(head.id, data["code"], version, response.get_data())
    response.set_etag(etag_of(version))
    response.cache_control.no_cache = True
    if head.phase == Phase.LOBBY:  # joins do not bump the version: the count rides here
        response.headers[ROOM_COUNT] = str(svc.active_count_of(db.session, head.id))
    return response


def _close_if_due(head, code: str) -> bool:
    """Close answering if its countdown ran out (head: a state_head row); True if closed."""
    if head.phase != Phase.OPEN or not pacing.due(head.closes_at):
        return False
    cs = svc.find_session(db.session, code)
    closed = pacing.close_if_due(db.session, cs, rules())
    db.session.commit()
    return closed


def _participant(cs, data: dict | None = None):
    token = (data or {}).get("participant_token") or cookie_token(cs.code)
    return svc.participant_for(db.session, cs, token)


def _answer_set(code: str) -> AnswerSet:
    """The answer set sent to this request (the token from the body, else the cookie), once
    the session is known to be live and a countdown that ran out has closed answering."""
    head = state_head(db.session, code)
    if head.phase == Phase.ENDED:
        raise ClassError.ended()
    _close_if_due(head, code)
    data = json_body()
    code = svc.normalise_code(code)
    return AnswerSet(code, data.get("participant_token") or cookie_token(code), data)


@api_bp.post("/<code>/answers")
def answers(code: str):
    """Submit an answer set for the open scenario: graded, stored once; 409 once the learner
    has sent as many as the session allows (one, unless the host chose more).

    One transaction: the session row is share-locked first (an answer checked as "open" is
    stored before the host's close lands), then one query for participant and scenario,
    grading, and the inserts.
    """
    stored = submit_answers(db.session, _answer_set(code), rules())
    db.session.commit()
    target, checked = stored.target, stored.checked
    report = checked.report
    # the set was taken while answering was open, so the scenario was not yet revealed
    item = SimpleNamespace(
        id=checked.class_scenario_id, position=checked.position, revealed_at=None
    )
    feedback = for_class(db.session, target, item, checked.class_try)
    if feedback.key:
        body = {"feedback": "shown", **report.as_dict()}
    else:
        body = withheld_body(
            target,
            report.scenario_id,
            report.variant,
            [(r.task_id, r.given) for r in report.results],
            feedback.note,
        )
    return jsonify(body), 201


@api_bp.post("/<code>/draft")
def draft(code: str):
    """Keep the learner's current placements while answering is open (the answers body):
    sent for them as an answer set when answering closes. 409 once it is closed."""
    _, checked = check_answer_set(db.session, _answer_set(code), rules())
    placed = pacing.save_draft(db.session, checked)
    db.session.commit()
    return jsonify({"saved": True, "placed": placed, "answer_set": checked.class_try})


@api_bp.get("/<code>/me")
def me(code: str):
    """The participant's own answer sets, with feedback where the host allows it."""
    cs = svc.find_session(db.session, code)
    participant = _participant(cs, {"participant_token": request.headers.get("X-Participant")})
    mine = own_attempts(db.session, participant)
    scenarios = []
    for item in cs.scenarios:
        attempt = mine.get(item.id)
        # a class answer set always has its try number; None would read as 0 here anyway
        sent = (attempt.class_try or 0) if attempt else 0
        feedback = for_class(db.session, cs, item, sent)
        scenarios.append(
            {
                "scenario_id": item.scenario_slug,
                "position": item.position + 1,
                "answered": attempt is not None,
                "answer_sets_sent": attempt.class_try if attempt else 0,
                "note": feedback.note,
                "sent_by": (attempt.class_sent_by or "learner") if attempt else None,
                "result": result_body(db.session, cs, attempt, rules(), feedback)
                if attempt
                else None,
            }
        )
    return jsonify(
        {
            "nickname": participant.nickname,
            "phase": cs.phase,
            "answer_sets_allowed": cs.answer_sets,
            "scenarios": scenarios,
        }
    )
