"""Login sessions: start clean, end on the server, and forms whose token expired."""

from __future__ import annotations

from flask import Flask, current_app, flash, g, jsonify, redirect, render_template, request, session
from flask_login import login_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, MethodNotAllowed, NotFound

from ..extensions import db
from ..services import accounts

EXPIRED = "This form was open for too long, so it was not sent. Fill it in again and send it."
UNCHECKED = (
    "This form could not be checked: its security token is missing or belongs to "
    "another session. Reload the page and send it again."
)


def start_session(user) -> None:
    """Sign a user in on a fresh session: nothing from before, a new CSRF secret."""
    session.clear()  # session fixation: no value set before login survives it
    g.pop("csrf_token", None)  # Flask-WTF caches this request's token; the next page gets new
    login_user(user)
    session.permanent = True  # ends after PERMANENT_SESSION_LIFETIME without a request


def end_sessions(user) -> None:
    """Sign the account out everywhere: every cookie issued to it so far stops working."""
    accounts.end_sessions(db.session, user)
    db.session.commit()
    logout_user()
    session.clear()


def load_user(user_id: str):
    """Flask-Login's loader: the session id is "<user id>:<generation>"; both must match."""
    from ..models import User

    ident, _, generation = str(user_id).partition(":")
    if not ident.isdigit() or not generation.isdigit():
        return None
    user = db.session.get(User, int(ident))
    if user is None or not user.active:  # disabling ends sessions
        return None
    return user if user.session_generation == int(generation) else None


def _same_page_get() -> bool:
    """Whether the posted URL is also a page (so sending the visitor back to it is safe)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(request.path, method="GET")
    except (MethodNotAllowed, NotFound):
        return False
    return True


def _csrf_failed(exc: CSRFError):
    """A form token that expired sends the visitor back to the form with a message.

    A missing or foreign token (another site, a bug) is refused with a 400 that says why.
    """
    # the token is past WTF_CSRF_TIME_LIMIT, or the session holding its secret has ended
    expired = any(
        reason in (exc.description or "") for reason in ("has expired", "session token is missing")
    )
    message = EXPIRED if expired else UNCHECKED
    wants_json = (
        request.path.startswith("/api/")
        or request.is_json
        or "X-CSRFToken" in request.headers
        or request.accept_mimetypes.best == "application/json"
    )
    if wants_json:
        from ..api.errors import error_body

        return jsonify(error_body(exc.description or message, [message])), 400
    if expired and _same_page_get():
        flash(message, "error")
        return redirect(request.full_path.rstrip("?"), 303)
    return render_template("error.html", error=BadRequest(message)), 400


def init_app(app: Flask) -> None:
    """Register the expired-form handler."""
    app.register_error_handler(CSRFError, _csrf_failed)
