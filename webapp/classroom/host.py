"""Host pages: start a session, run it (lobby, pacing, live dashboard), read the report."""

from __future__ import annotations

import hashlib

import segno
from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..extensions import db
from ..services import classroom as svc
from ..services import classroom_report as reports
from ..services.content import published, rules
from . import bp
from .access import hosted_session, instructor_page
from .forms import ActionForm, NewSessionForm

ACTION_LABELS = {"open": "Open answering", "close": "Close answering",
                 "reveal": "Reveal answers", "next": "Next scenario", "end": "End session"}


@bp.route("/host/", methods=["GET", "POST"])
@instructor_page
def host_index():
    """The host's sessions, and the form that starts a new one."""
    form = NewSessionForm()
    catalogue = published(db.session)
    # "Run in class" links come here with ?scenario=<id>[&variant-<id>=<v>] to pre-select it
    picked = request.form if request.method == "POST" else request.args
    chosen = picked.getlist("scenario")
    scenario_error = None
    if form.validate_on_submit():
        items = [{"id": sid, "variant": request.form.get(f"variant-{sid}") or None}
                 for sid in chosen]
        try:
            picks = svc.parse_picks(db.session, items)
        except svc.SessionError as exc:
            scenario_error = "; ".join([exc.message, *map(str, exc.details)])
        else:
            cs = svc.create_session(db.session, current_user, picks,
                                    feedback_after_reveal=form.feedback.data == "after-reveal",
                                    answer_sets=form.answer_sets.data)
            db.session.commit()
            return redirect(url_for("classroom.host_session", code=cs.code))
    status = 400 if request.method == "POST" else 200
    return render_template("classroom/host_index.html", form=form, catalogue=catalogue,
                           chosen=set(chosen), picked=picked, scenario_error=scenario_error,
                           sessions=svc.sessions_for(db.session, current_user)), status


def _panel_context(cs) -> dict:
    return {"cs": cs, "dash": reports.dashboard(db.session, cs, rules()),
            "participants": [p for p in cs.participants if not p.removed],
            "form": ActionForm(), "labels": ACTION_LABELS,
            "actions": svc.host_actions(db.session, cs),
            "reopen_refused": cs.phase == "closed" and not svc.may_reopen(db.session, cs)}


@bp.get("/host/<code>")
@instructor_page
def host_session(code: str):
    """The host's console: join code with QR, pacing buttons and the live dashboard."""
    cs = hosted_session(code)
    join_url = url_for("classroom.join", code=cs.code, _external=True)
    qr = segno.make(join_url, error="m").svg_inline(
        scale=6, border=2, omitsize=True, svgclass="qr-code",
        title=f"QR code for joining session {cs.code}")
    return render_template("classroom/host_session.html", join_url=join_url, qr_svg=qr,
                           **_panel_context(cs))


@bp.get("/host/<code>/panel")
@instructor_page
def host_panel(code: str):
    """The live part of the console, re-fetched by host.js; 304 when nothing changed."""
    cs = hosted_session(code)
    html = render_template("classroom/_host_panel.html", **_panel_context(cs))
    # the CSRF token is signed with a timestamp: leave it out, or nothing would ever match
    stable = html.replace(generate_csrf(), "")
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


def _run(cs, func, *args, success: str | None = None):
    form = ActionForm()
    if not form.validate_on_submit():
        flash("The form expired: try again.", "error")
        return _back(cs)
    try:
        func(db.session, cs, *args)
    except svc.SessionError as exc:
        db.session.rollback()
        flash(exc.message[:1].upper() + exc.message[1:] + ".", "error")
        return _back(cs)
    db.session.commit()
    if success:
        flash(success, "success")
    return _back(cs)


@bp.post("/host/<code>/action/<any(open,close,reveal,next,end):action>")
@instructor_page
def host_action(code: str, action: str):
    """A pacing button without JavaScript (host.js calls the JSON endpoint instead)."""
    cs = hosted_session(code)
    return _run(cs, svc.act, action)


@bp.post("/host/<code>/leaderboard")
@instructor_page
def host_leaderboard(code: str):
    """Show or hide the leaderboard."""
    cs = hosted_session(code)
    return _run(cs, svc.set_leaderboard, request.form.get("show") == "1")


@bp.post("/host/<code>/remove/<int:participant_id>")
@instructor_page
def host_remove(code: str, participant_id: int):
    """Remove a participant from the session."""
    cs = hosted_session(code)
    return _run(cs, svc.remove_participant, participant_id, success="Participant removed.")


@bp.get("/host/<code>/report")
@instructor_page
def host_report(code: str):
    """The session report: scores per participant and the room's answers per task."""
    cs = hosted_session(code)
    data = reports.report(db.session, cs, rules())
    return render_template("classroom/report.html", cs=cs, report=data)
