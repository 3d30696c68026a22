"""Instructor and admin sign-in: login, logout, first-run setup, invitations, access checks."""

from __future__ import annotations

import click
from flask import Blueprint, Flask, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

bp = Blueprint("auth", __name__, url_prefix="/auth")


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the request came over HTTPS."""

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

    app.session_interface = _SessionInterface()
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
