"""Adaptive practice: /practice rounds, the /progress map, their JSON API, and the class
host's view of the pairs a room still gets wrong."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("practice", __name__)
api_bp = Blueprint("practice_api", __name__, url_prefix="/api/v1")

from . import api, host, routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Register the pages and the JSON endpoints; follow every graded placement."""
    from ..extensions import csrf
    from . import receivers

    csrf.exempt(api_bp)  # JSON bodies only, like the rest of /api/v1
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    receivers.connect(app)
