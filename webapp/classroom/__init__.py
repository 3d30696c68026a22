"""Live class sessions: host pages (/host), learner pages (/join, /play) and their JSON API."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("classroom", __name__)
api_bp = Blueprint("classroom_api", __name__, url_prefix="/api/v1/sessions")

from . import api, host, learner  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Register the pages and the JSON endpoints (learner calls authenticate by token)."""
    from ..api import errors
    from ..extensions import csrf

    errors.init_app(app)  # a ClassError from any class view: JSON or the error page
    csrf.exempt(api_bp)  # host calls run csrf.protect() themselves
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
