"""Host pages: start a session, run it (lobby, pacing, live dashboard), read the report."""

from __future__ import annotations

import hashlib
import json
import re

import segno
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..auth.access import instructor_required
from ..domain.phases import Phase
from ..extensions import db
from ..services.classroom import pacing
from ..services.classroom import report as reports
from ..services.classroom import sessions as svc
from ..services.classroom.errors import ClassError
from ..services.classroom.host import host_dashboard
from ..services.content import published, rules
from . import bp
from .access import hosted_session
from .forms import COUNTDOWN_CHOICES, ActionForm, NewSessionForm, scenario_order

ACTION_PATTERN = ",".join(svc.HOST_ACTIONS)  # from the transition table
COUNTDOWN_TEXT = re.compile(r'data-seconds-left="\d+"|<span class="js-left">[^<]*</span>')


@bp.route("/host/", methods=["GET", "POST"])
@instructor_required
def host_index():
    """The host's sessions, and the form that starts a new one."""
    form = NewSessionForm()
    catalogue = published(db.session)
    # "Run in class" links come here with ?scenario=<id>[&variant-<id>=<v>] to pre-select it
    picked = request.form if request.method == "POST" else request.args
    chosen = scenario_order(picked)
    scenario_error = None
    if form.validate_on_submit():
        items = [
            {"id": sid, "variant": request.form.get(f"variant-{sid}") or None} for sid in chosen
        ]
        try:
            picks = svc.parse_picks(db.session, items)
        except ClassError as exc:  # the details name the API's fields: not for this page
            scenario_error = "; ".join([exc.message, *map(str, exc.details)])
            if not items:
                scenario_error = "Please choose at least one scenario from the list."
        else:
            cs = svc.create_session(
                db.session,
                current_user,
                picks,
                feedback_after_reveal=form.feedback.data == "after-reveal",
                answer_sets=form.answer_sets.data,
            )
            db.session.commit()
            return redirect(url_for("classroom.host_session", code=cs.code))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "classroom/host_index.html",
        form=form,
        catalogue=catalogue,
        chosen=set(chosen),
        picked=picked,
        scenario_error=scenario_error,
        sessions=svc.sessions_for(db.session, current_user),
    ), status


# each pacing button keeps its own place, so the next one never sits under the pointer
# that pressed the last (an empty place is kept for an action not available now)
ACTION_SLOTS = ("open", "close", "reveal", "next")


def _panel_context(cs) -> dict:
    return {
        "cs": cs,
        "dash": host_dashboard(db.session, cs, rules()),
        "form": ActionForm(),
        "labels": svc.ACTION_LABELS,
        "actions": svc.host_actions(db.session, cs),
        "reopen_refused": cs.phase == Phase.CLOSED and not svc.may_reopen(db.session, cs),
        "slots": ACTION_SLOTS,
        "countdowns": COUNTDOWN_CHOICES,
    }


def _pace_done() -> str:
    """What host.js announces after each host action, from the transition table (JSON)."""
    return json.dumps({action: t.done for action, t in svc.TRANSITIONS.items()})


def _hosted_now(code: str):
    """The hosted session, its countdown closed first if it ran out."""
    cs = hosted_session(code)
    if pacing.close_if_due(db.session, cs, rules()):
        db.session.commit()
    return cs


def _join_card(cs) -> dict:
    join_url = url_for("classroom.join", code=cs.code, _external=True)
    qr = segno.make(join_url, error="m").svg_inline(
        scale=6,
        border=2,
        omitsize=True,
        svgclass="qr-code",
        title=f"QR code for joining session {cs.code}",
    )
    return {"join_url": join_url, "qr_svg": qr}


@bp.get("/host/<code>")
@instructor_required
def host_session(code: str):
    """The host's console: join code with QR, pacing buttons and the live dashboard."""
    cs = _hosted_now(code)
    return render_template(
        "classroom/host_session.html",
        **_join_card(cs),
        **_panel_context(cs),
        pace_done=_pace_done(),
    )


@bp.get("/host/<code>/present")
@instructor_required
def host_present(code: str):
    """The presenter view to project: join code, QR, counts, then the reveal; no controls."""
    cs = _hosted_now(code)
    return render_template("classroom/present.html", **_join_card(cs), **_panel_context(cs))


@bp.get("/host/<code>/present/panel")
@instructor_required
def host_present_panel(code: str):
    """The live part of the presenter view, re-fetched by present.js."""
    cs = _hosted_now(code)
    return _panel_response(render_template("classroom/_present_panel.html", **_panel_context(cs)))


@bp.get("/host/<code>/panel")
@instructor_required
def host_panel(code: str):
    """The live part of the console, re-fetched by host.js; 304 when nothing changed."""
    cs = _hosted_now(code)
    return _panel_response(render_template("classroom/_host_panel.html", **_panel_context(cs)))


def _panel_response(html: str) -> Response:
    """A panel with an ETag over what changes: not the CSRF token (signed with a timestamp)
    nor the countdown's seconds (the page counts them down itself)."""
    stable = COUNTDOWN_TEXT.sub("", html.replace(generate_csrf(), ""))
    etag = hashlib.sha256(stable.encode("utf-8")).hexdigest()[:20]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(html, mimetype="text/html")
    response.set_etag(etag)
    response.cache_control.no_cache = True
    return response


def _back(cs):
    return redirect(url_for("classroom.host_session", code=cs.code))


def _run(cs, func, *args, success: str | None = None, **kwargs):
    form = ActionForm()
    if not form.validate_on_submit():
        flash("The form expired: try again.", "error")
        return _back(cs)
    try:
        func(db.session, cs, *args, **kwargs)
    except ClassError as exc:
        db.session.rollback()
        flash(exc.message[:1].upper() + exc.message[1:] + ".", "error")
        return _back(cs)
    db.session.commit()
    if success:
        flash(success, "success")
    return _back(cs)


@bp.post(f"/host/<code>/action/<any({ACTION_PATTERN}):action>")
@instructor_required
def host_action(code: str, action: str):
    """A pacing button without JavaScript (host.js calls the JSON endpoint instead)."""
    cs = hosted_session(code)
    form = request.form
    try:
        expect = svc.check_expect(
            {
                "expect_phase": form.get("expect_phase"),
                "expect_position": _int(form.get("expect_position")),
            }
        )
        countdown = pacing.check_countdown(
            _int(form.get("countdown")) or None if action == "open" else None
        )
    except ClassError as exc:
        flash(exc.message[:1].upper() + exc.message[1:] + ".", "error")
        return _back(cs)
    return _run(cs, pacing.pace, action, rules(), expect=expect, countdown=countdown)


def _int(raw):
    """A form number ("12") as an int; anything else unchanged, for the check to refuse."""
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 7 else raw


@bp.post("/host/<code>/lock")
@instructor_required
def host_lock(code: str):
    """Lock or unlock joining."""
    cs = hosted_session(code)
    locked = request.form.get("locked") == "1"
    return _run(
        cs,
        svc.set_join_locked,
        locked,
        success="Joining is locked." if locked else "Joining is open again.",
    )


@bp.post("/host/<code>/live")
@instructor_required
def host_live(code: str):
    """Show or hide the room's placements while answering is open."""
    cs = hosted_session(code)
    return _run(cs, svc.set_show_live, request.form.get("show") == "1")


@bp.post("/host/<code>/leaderboard")
@instructor_required
def host_leaderboard(code: str):
    """Show or hide the leaderboard."""
    cs = hosted_session(code)
    return _run(cs, svc.set_leaderboard, request.form.get("show") == "1")


@bp.post("/host/<code>/remove/<int:participant_id>")
@instructor_required
def host_remove(code: str, participant_id: int):
    """Remove a participant from the session."""
    cs = hosted_session(code)
    return _run(cs, svc.remove_participant, participant_id, success="Participant removed.")


@bp.get("/host/<code>/report")
@instructor_required
def host_report(code: str):
    """The session report: scores per participant and the room's answers per task."""
    cs = hosted_session(code)
    data = reports.report(db.session, cs, rules())
    return render_template("classroom/report.html", cs=cs, report=data)
