"""Instructor and admin sign-in: login, logout, first-run setup, invitations, access checks."""

from __future__ import annotations

import time
from datetime import datetime

import click
from flask import Blueprint, Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

bp = Blueprint("auth", __name__, url_prefix="/auth")

# An unchanged session's cookie is signed anew (its 12 hours start again) at most this often.
# Re-sending it on every response would let a page's background polls, which left with the
# cookie of a moment ago, write it back over a newer one: a message flashed by a form, or
# anything else a request had just put in the session, would vanish.
REFRESH_AFTER_SECONDS = 300


class _Session(SecureCookieSession):
    """A cookie session that knows when its cookie was signed (None: no cookie came)."""

    signed_at: datetime | None = None


class SessionInterface(SecureCookieSessionInterface):
    """The app's signed session cookie: Secure whenever the request came over HTTPS, and
    sent again only when the session changed or its signature is a few minutes old."""

    session_class = _Session

    def open_session(self, app: Flask, request: Request) -> _Session | None:
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return _Session()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return _Session()
        opened = _Session(data)
        opened.signed_at = signed_at
        return opened

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None:
            return True
        return time.time() - signed_at.timestamp() >= REFRESH_AFTER_SECONDS

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once per set of keys instead of on every request."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = app.extensions.get("srm_session_serializer")
        if kept is None or kept[0] != keys:  # none yet, or the keys changed (a rotation)
            kept = (keys, super().get_signing_serializer(app))
            app.extensions["srm_session_serializer"] = kept
        return kept[1]


def _first_run_hook(app: Flask, host: str, port: int) -> None:
    """`srm-trainer serve`: while no admin exists, print a one-time link that creates one."""
    from ..extensions import db
    from ..services import accounts

    with app.app_context():
        if accounts.admin_exists(db.session):
            return
        token = accounts.issue_setup_token(db.session)
        db.session.commit()
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    click.echo("No admin account yet. Open this link once to create it (it works one time):")
    click.echo(f"    http://{shown}:{port}/auth/setup/{token}")


def init_app(app: Flask) -> None:
    """Register the blueprint, Flask-Login's loader and the first-run hook."""
    from ..extensions import login_manager
    from . import sessions, throttle

    app.session_interface = SessionInterface()
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    login_manager.user_loader(sessions.load_user)
    sessions.init_app(app)
    throttle.init_app(app)

    from . import routes  # noqa: F401  (registers the views)

    app.register_blueprint(bp)
    app.extensions.setdefault("srm_serve_hooks", []).append(_first_run_hook)
